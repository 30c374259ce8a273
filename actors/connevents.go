package actors

import (
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// ConnEvents observes one session's connection-level events, the events of
// Node's engine.io Socket. They run inside the session actor, so they must
// not block and must not keep a packet's Data past their return: they are
// meant to hand the event over (the root package's Conn queues it on a
// lane). A nil func is skipped; a session without hooks pays one pointer
// load per event.
type ConnEvents struct {
	// Packet sees every packet received on the transport in use (Node:
	// "packet"). It owns credit, a new inbound credit for the packet: it
	// releases it once the packet is handled, so a slow observer slows
	// reading from the client as a slow handler does.
	Packet func(p eio.Packet, credit transport.Credit)
	// PacketCreate sees every packet the session creates to send: open,
	// ping, messages, broadcasts included (Node: "packetCreate"). Noops and
	// the close packet are the transport's own, as in Node.
	PacketCreate func(p eio.Packet)
	// Drain: packets were handed to the transport, the write buffer is
	// empty (Node: "drain", after each flush).
	Drain func()
	// Heartbeat: the client answered a ping (Node: "heartbeat").
	Heartbeat func()
	// Upgrade: the session moved to transport (Node: "upgrade").
	Upgrade func(transport string)
	// Close: the session ended with reason (Node: "close"). Called once.
	Close func(reason string)
}

// SetConnEvents installs h (nil: none), replacing the ones before it. It
// is safe from any goroutine; events from then on go to h.
func (s *EngineSession) SetConnEvents(h *ConnEvents) { s.hooks.Store(h) }

// CloseReason is the reason the session ended with, "" while it is open.
func (s *EngineSession) CloseReason() string {
	if r := s.endReason.Load(); r != nil {
		return *r
	}
	return ""
}
