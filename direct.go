package actorio

// The short path of an event. An EVENT for a socket that is connected
// changes nothing the session decides, so it need not wait its turn in the
// session's mailbox: the goroutine that read it (on Linux the poller's
// loop) decodes it and queues its handlers on the socket's lane, one hop
// from the network instead of two. The handlers still run on the lane,
// never on the reader, so a handler that blocks holds up its own socket
// only. Everything else (CONNECT, DISCONNECT, acks, binary attachments, a
// packet that does not decode, an event while one before it still waits
// in the session) goes through the session as before.
//
// Order holds because the transport offers a message here only once the
// session has handled every packet read before it, and because a socket's
// disconnect is queued on its lane in the same step that makes the lane
// refuse direct events (lane.shutWith): an event taken here runs before
// the disconnect's handlers, as one the session had dispatched would.

import (
	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/protocol/sio"
)

// publishRoute gives the short path the client's sockets as they are now;
// session actor only. A client whose events need the session for each one
// (an event rate limit, a Socket.IO 2.x client) publishes nothing.
func (c *client) publishRoute() {
	if c.closed || c.eio3 || c.srv.events != nil || len(c.sockets) == 0 {
		c.route.Store(nil)
		return
	}
	sockets := nspSockets(append([]*Socket(nil), c.sockets...))
	c.route.Store(&sockets)
}

// ReceiveDirect (actors.DirectReceiver) dispatches an EVENT for a
// connected socket from the goroutine that read it, or returns false to
// leave the message to the session. The transport calls it only while the
// session has handled every packet read before this one, so the decoder
// waits for no attachments that it could miss.
func (c *client) ReceiveDirect(data []byte, binary bool, credit InboundCredit) bool {
	sockets := c.route.Load()
	if sockets == nil {
		return false
	}
	whole, ok := c.decoder.(sio.WholeDecoder)
	if !ok {
		return false
	}
	p, ok := whole.Whole(data, binary)
	if !ok || p.Type != sio.Event {
		return false
	}
	s := sockets.get(p.Nsp())
	if s == nil {
		return false
	}
	name, args, ack, ok := c.event(s, &p)
	if !ok {
		return false // the session closes the connection for it
	}
	return s.dispatchDirect(name, args, ack, credit)
}

var _ actors.DirectReceiver = (*client)(nil)
