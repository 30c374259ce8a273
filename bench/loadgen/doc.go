// Package loadgen is a Socket.IO v4 load generator cheap enough not to be
// the bottleneck of the comparison benchmark (docs/bench-contract.md).
//
// Clients are raw non-blocking sockets driven by a few epoll event loops
// (one per GOMAXPROCS, one when the runner pins itself to a CPU): no
// goroutine and no buffer per idle connection, one read per ready socket,
// frames parsed in place, deliveries read by position (event name, then the
// payload's leading timestamp) without decoding JSON or allocating. Sends
// follow an open-loop schedule driven by a timerfd, and every message
// carries its intended send time, so a server that falls behind is charged
// for the whole delay (no coordinated omission); how late the generator
// itself wrote is measured separately (SendLag).
//
// It is not a Socket.IO client library: it speaks WebSocket only, the
// default namespace only, and reads only the packets the benchmark counts.
// A Gen is driven from one goroutine; each event loop owns its connections.
package loadgen
