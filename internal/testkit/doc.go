// Package testkit holds the helpers the module's tests share, one per
// concept: a wait for a condition (Eventually), a wait for a value (Recv),
// the client end of a WebSocket whose every read has a deadline (DialWS,
// Conn) and a bounded read of one server frame (ReadFrame), a listener
// over net.Pipe for servers inside a testing/synctest bubble (PipeListener),
// a child process that dies with the test binary (DieWithParent) and a
// buffer for its output (SyncBuffer), and a self-signed certificate for TLS
// tests (SelfSignedCert).
//
// Processes tests start live in subpackages: redistest (a redis-server) and
// nodecluster (a Node socket.io server in a Redis cluster).
//
// Every wait here is bounded by Timeout, so a test that would hang fails in
// seconds with a message that says what it waited for, and none of them
// spins: on a loaded 2-core machine under -race a busy wait starves the
// server it waits for.
//
// It is for tests only and imports nothing of the module, so that the tests
// of every package, transport's internal ones included, can use it.
package testkit

import "time"

// Timeout bounds every wait: far beyond what anything takes on a loaded
// machine (2 cores, -race, another process keeping a core busy), far below
// go test's own 10-minute timeout.
const Timeout = 10 * time.Second
