// Package redistest starts a real redis-server for tests: Debian's binary
// from PATH, on a random free loopback port, with no persistence and a temp
// directory of its own, stopped when the test ends.
//
// Start waits until the server answers PING, so a test can use it at once.
// Stop kills it (a crash, as a fault test wants it) and Restart brings it
// back on the same port, empty: nothing is persisted. A missing redis-server
// fails the test with one line saying how to install it; it is never
// skipped, so a machine without Redis cannot pass the cluster tests by
// running none of them.
//
// It is for tests only. A Server's methods may be called from any goroutine;
// Stop and Restart wait for the process, each bounded by testkit.Timeout.
package redistest
