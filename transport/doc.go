// Package transport moves Engine.IO bytes between sockets and the session
// actors: HTTP long-polling, WebSocket (github.com/gobwas/ws), per-connection
// bounded outbound queues and the writer pool that flushes them.
//
// It is not for protocol decisions: what a packet means, when a session
// closes and why, is decided by the session actor. Transport reports what
// happened (bytes read, queue past its soft limit, socket closed) and does
// what it is told.
//
// Concurrency: an OutQueue may be pushed to from any goroutine; the writer
// pool owns flushing. Readers run one goroutine per connection for now,
// behind a small interface so an epoll poller can replace them.
package transport
