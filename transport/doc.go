// Package transport moves Engine.IO bytes between the network and the
// session actors: the HTTP handler (handshakes, long-polling, CORS,
// cookies, compression), WebSocket connections (github.com/gobwas/ws,
// permessage-deflate optional), per-connection bounded outbound queues and
// the writer pool that flushes them. Engine.IO v3 clients (Config.AllowEIO3)
// are told apart once per session and connection: their payloads, frames
// and JSONP polling live in the eio3_*.go files.
//
// It makes no protocol decisions. Handler routes each request by sid to its
// Session and reports what happened as messages (PollRequested,
// PayloadPosted, WebSocketPacket, WebSocketClosed, SlowConsumer...), each
// posted with Session.Tell; what a packet means, and when and why a
// session closes, is the session's to decide (package actors). Transport
// then does what it is told: answer a poll, push frames, close a
// connection with a status code.
//
// Writing: each WebSocket's frames go through its OutQueue, bounded by
// QueueLimits in bytes and frames. A WriterPool of about one goroutine per
// core flushes every ready queue with one non-blocking system call, so a
// frame built once (Frames, AppendFrame) can be pushed, shared and
// unchanged, to every member of a broadcast, and one slow socket never
// holds a writer. A packet for one client (an ack) whose queue is empty is
// written by the goroutine that delivers it (PushOwned, FlushNow). A
// WebSocket handshake's 101 response waits in the queue (Preface) for the
// open packet, and both go out in one write.
//
// Reading: on Linux a ReadPoller (epoll, edge-triggered) reads every plain
// WebSocket when it has input, so an idle connection holds no goroutine
// and no buffer; a frameParser takes the bytes in whatever pieces they
// come. A connection whose session's inbound backlog is paused, or that
// sends a message over the limit, is read by a goroutine of its own until
// it can go back to the poller. TLS connections, and every connection on
// other systems, have a reader goroutine with the same parser. Either way
// the reader answers WebSocket pings and closes itself and reports each
// Engine.IO packet to its session, or, while the session has handled every
// packet before it, offers a message to the session's DirectFunc first,
// which may take it there and then (an event for a connected socket). A polling request runs on its HTTP
// handler's goroutine and waits for the session's answer.
//
// Concurrency: OutQueue.Push and the WSConn send methods may be called
// from any goroutine and never block on I/O; ConnHooks must not block
// either (they post a message to the session). Handler is safe for
// concurrent requests. Session.Tell may be called from any goroutine.
package transport
