package actors

// The short path of a message (transport.DirectFunc): an upper layer that
// can take some of its messages without the session's state takes them on
// the goroutine that read them, and the session's mailbox never sees them.

import (
	"sync/atomic"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// DirectReceiver is an upper layer's short path: ReceiveDirect runs on the
// goroutine that read a WebSocket message (on Linux, the poller's loop),
// only while the session has handled every packet read before it. It
// takes the message and its credit and returns true, or returns false to
// leave both to the session (OnMessage as usual). It must not block, and
// it must take only what the session's order cannot change: a message it
// takes is handled as though the session had handled it at once.
type DirectReceiver interface {
	ReceiveDirect(data []byte, binary bool, credit transport.Credit) bool
}

// directReceiver holds a session's DirectReceiver: a typed pointer, so
// that loading it per message costs no interface conversion.
type directReceiver struct {
	p atomic.Pointer[DirectReceiver]
}

// SetDirect installs r as the session's short path, once the state it
// reads is ready: the session's messages from then on may take it. Only
// the WebSocket transport takes it, and never for an Engine.IO v3 client,
// nor while a ConnEvents.Packet hook or a PacketIn observer wants to see
// every packet.
func (s *EngineSession) SetDirect(r DirectReceiver) { s.direct.p.Store(&r) }

// useDirect makes c, the WebSocket now in use, offer its messages to the
// session's short path.
func (s *Session) useDirect(c *transport.WSConn) {
	if s.cfg.EIO3 || s.cfg.PacketIn != nil {
		return // what the short path must not skip
	}
	if s.directFn == nil {
		f := transport.DirectFunc(s.receiveDirect)
		s.directFn = &f
	}
	c.SetDirect(s.directFn)
}

// receiveDirect is the session's DirectFunc: the upper layer's short path,
// and the per-packet counts of what it took.
func (s *Session) receiveDirect(p eio.Packet, credit transport.Credit) bool {
	r := s.user.direct.p.Load()
	if r == nil {
		return false
	}
	if h := s.user.hooks.Load(); h != nil && h.Packet != nil {
		return false // the hook sees every packet, in order: the session's
	}
	if !(*r).ReceiveDirect(p.Data, p.Binary, credit) {
		return false
	}
	s.countIn(p)
	return true
}
