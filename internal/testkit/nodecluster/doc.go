// Package nodecluster starts the Node socket.io 4.8 server of the mixed
// Node/Actorio cluster tests, testdata/cluster/node_server.js, on a Redis the
// test provides (redistest), with the adapter the test names: the npm
// @socket.io/redis-adapter (pub/sub or sharded) or
// @socket.io/redis-streams-adapter. The event protocol it speaks to clients
// is written at the top of that script.
//
// Start returns once the server listens and its adapter is subscribed, so a
// message published after it returns reaches it. Stop sends SIGTERM (a
// server leaving the cluster), Kill sends SIGKILL (a server dying); either
// waits for the exit, bounded by testkit.Timeout. When the test fails, the
// server's output is printed.
//
// Its own tests check that script with the official client (a broadcast and
// a fetch across two servers, with Redis restarted or not), and the bench's
// Node reference server in cluster mode (testdata/cluster/bench_check.js).
//
// It is for tests only; a Server's methods may be called from any goroutine.
package nodecluster
