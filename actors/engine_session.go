package actors

import (
	"sync/atomic"

	"github.com/actorio/actorio/protocol/eio"
)

// EngineHandler receives a bare Engine.IO server's events. Its methods run
// inside the session actor, one at a time per session: they must not block.
type EngineHandler interface {
	OnOpen(s *EngineSession)
	OnMessage(s *EngineSession, data []byte, binary bool)
	OnClose(s *EngineSession, reason string)
}

// EngineUpgradeHandler is implemented by an EngineHandler that wants to
// know when a session has moved from polling to WebSocket.
type EngineUpgradeHandler interface {
	OnUpgrade(s *EngineSession)
}

// EngineSession is the user's handle on one Engine.IO session. Its methods
// are safe from any goroutine: they post to the session actor.
type EngineSession struct {
	id        string
	tell      func(any)
	transport atomic.Value // string
}

// ID is the session id (sid), 20 characters.
func (s *EngineSession) ID() string { return s.id }

// Transport is the transport in use: "polling" or "websocket".
func (s *EngineSession) Transport() string { return s.transport.Load().(string) }

// Send queues a message to the client, binary or text.
func (s *EngineSession) Send(data []byte, binary bool) {
	s.tell(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: data, Binary: binary}})
}

// Close ends the session with reason "forced close".
func (s *EngineSession) Close() { s.tell(&closeRequested{reason: ReasonForcedClose}) }

// sendRequested asks the session to send a packet on its transport.
type sendRequested struct{ packet eio.Packet }

// closeRequested asks the session to end.
type closeRequested struct{ reason string }

// CloseSession returns the message that ends a session with reason.
func CloseSession(reason string) any { return &closeRequested{reason: reason} }
