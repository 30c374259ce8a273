package actors

import (
	"github.com/actorio/actorio/transport"
	"github.com/gobwas/ws"
)

// closeWebSocket closes the session's WebSocket with a close code that
// tells the client why (RFC 6455 7.4.1), instead of 1000 for every end:
//   - a client that does not read (slow consumer, queue overflow) gets
//     1008 "slow consumer" ahead of the backlog, which is dropped;
//   - a packet that is not Socket.IO (parse error) gets 1002, as one that
//     is not Engine.IO does in the transport;
//   - a session whose actor failed gets 1011, an internal error;
//   - every other end is a normal closure, 1000.
//
// The transport may have closed the WebSocket already with its own code
// (1002, 1007, 1009, 1008 on overflow); the first close wins.
func closeWebSocket(c *transport.WSConn, reason, detail string) {
	switch {
	case detail == "slow consumer" || detail == "outbound queue overflow":
		c.CloseSlowConsumer()
	case reason == ReasonParseError:
		c.Close(ws.StatusProtocolError)
	case detail == ReasonActorFailed:
		c.Close(ws.StatusInternalServerError)
	default:
		c.Close(ws.StatusNormalClosure)
	}
}
