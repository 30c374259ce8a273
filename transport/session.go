package transport

import "github.com/actorio/actorio/protocol/eio"

// Session is how the transport reaches one Engine.IO session: it reports
// what happened with the messages below and never decides anything itself.
type Session interface {
	// Tell posts one of the messages below to the session's mailbox.
	Tell(msg any)
	// Done is closed once the session has ended; a handler waiting for a
	// reply gives up then.
	Done() <-chan struct{}
}

// PollReply answers a long-polling GET.
type PollReply struct {
	Status int    // http.StatusOK, or an error status for an overlapping GET
	Body   []byte // a polling payload
}

// PollRequested: a GET arrived. The session answers on Reply exactly once,
// at once if it has packets buffered, else when it has.
type PollRequested struct{ Reply chan<- PollReply }

// PollAborted: the client went away while its GET was pending.
type PollAborted struct{ Reply chan<- PollReply }

// PayloadPosted: a POST carried these packets, already decoded. The session
// processes all of them, then sends the HTTP status to answer on Done
// (200, or 400 when the session no longer polls).
type PayloadPosted struct {
	Packets []eio.Packet
	Done    chan<- int
}

// ParseFailed: the client sent something that is not Engine.IO, over Conn
// (nil: a polling POST).
type ParseFailed struct {
	Conn *WSConn
	Err  error
}

// PayloadTooLarge: a POST (Conn nil) or a WebSocket message on Conn was over
// maxHttpBufferSize.
type PayloadTooLarge struct{ Conn *WSConn }

// WebSocketAttached: a WebSocket for this sid connected, to upgrade to.
type WebSocketAttached struct{ Conn *WSConn }

// WebSocketPacket: a packet arrived on Conn.
type WebSocketPacket struct {
	Conn   *WSConn
	Packet eio.Packet
}

// WebSocketClosed: Conn's reader stopped (the peer closed it, or an error).
type WebSocketClosed struct {
	Conn *WSConn
	Err  error
}
