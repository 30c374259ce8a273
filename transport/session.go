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
	// Inbound is the session's inbound credit, which every message handed
	// to it holds until handled. Nil: unbounded.
	Inbound() *Inbound
	// A Session may also have Transport() string, the transport in use
	// (Polling or WebSocket): a request on the other one, not an upgrade,
	// is then refused before it reaches the session (TRANSPORT_MISMATCH).
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
// (200, or 400 when the session no longer polls). Credits[i] is what
// Packets[i] holds (see Inbound); the session releases or hands it on.
type PayloadPosted struct {
	Packets []eio.Packet
	Credits []Credit
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

// WebSocketPacket: a packet arrived on Conn. It holds Credit (see
// Inbound); the session releases it or hands it on.
type WebSocketPacket struct {
	Conn   *WSConn
	Packet eio.Packet
	Credit Credit
}

// WebSocketClosed: Conn's reader stopped (the peer closed it, or an error).
type WebSocketClosed struct {
	Conn *WSConn
	Err  error
}

// InboundPaused: the session's inbound backlog passed its limits, and the
// transport stopped reading: Conn's reader waits (Conn nil: a POST's answer
// waits) until the backlog drains. Sent once per pause.
type InboundPaused struct{ Conn *WSConn }

// InboundStalled: reading from Conn (nil: a POST's answer) was paused for
// the inbound backlog and nothing drained for the Inbound's stall period:
// the handlers are stuck, maybe waiting for an answer from this client that
// sits unread behind the backlog. Conn's reader has stopped; a POST is
// answered. Only the session can end this: it closes.
type InboundStalled struct{ Conn *WSConn }

// PostOverlapped: a POST arrived while another was in progress; it was
// refused (400). Node ends the session then ("data request overlap").
type PostOverlapped struct{}
