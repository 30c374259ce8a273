package transport

import (
	"sync/atomic"

	"github.com/actorio/actorio/protocol/eio"
)

// DirectFunc takes an Engine.IO message on the goroutine that read it,
// instead of its session's mailbox: the short path of a packet that
// changes nothing the session decides (an event for a socket that is
// connected). It returns false to leave the message, and its credit, to
// the session, which then gets it as a WebSocketPacket as usual. It must
// not block: on Linux it runs on the poller's loop.
type DirectFunc func(p eio.Packet, credit Credit) bool

// directPath is a WSConn's side of DirectFunc. A message goes the direct
// way only while every packet told to the session before it has been
// handled (WebSocketPacket.Handled): what the session does with a packet
// (a CONNECT, an ack, a pong) happens before the messages read after it,
// and the direct func may read what the session wrote while handling
// them, since the counter's atomic orders the two.
type directPath struct {
	fn   atomic.Pointer[DirectFunc]
	told atomic.Int32 // WebSocketPackets told and not yet Handled
}

// SetDirect installs f (nil: none) for the messages read from now on.
func (w *WSConn) SetDirect(f *DirectFunc) { w.direct.fn.Store(f) }

// takeDirect offers p to the direct func, if one is installed and the
// session has handled every packet told to it.
func (w *WSConn) takeDirect(p eio.Packet, credit Credit) bool {
	if p.Type != eio.Message || w.direct.told.Load() != 0 {
		return false
	}
	f := w.direct.fn.Load()
	return f != nil && (*f)(p, credit)
}

// Handled tells the packet's connection that its session has handled it:
// called once for every WebSocketPacket, after the session is done with it.
func (m *WebSocketPacket) Handled() { m.Conn.direct.told.Add(-1) }
