package actors

import (
	"net/http"
	"sync/atomic"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
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
	websocket atomic.Bool // the transport in use is WebSocket (else polling)
	sink      Sink
	request   *http.Request // the handshake request, body gone
	state     any           // the upper layer's per-client state; actor only
	protocol  int           // 3 or 4, set before the session starts
	done      <-chan struct{}
	hooks     atomic.Pointer[ConnEvents] // connevents.go; nil: none
	endReason atomic.Pointer[string]     // set once the session has closed, before ConnEvents.Close
	direct    directReceiver             // direct.go
}

// Done is closed once the session has ended: code waiting for the session
// actor to answer gives up then, since nothing it posts will run.
func (s *EngineSession) Done() <-chan struct{} { return s.done }

// Request is the handshake request (headers, URL, remote address, TLS,
// and its context's values, without its cancellation); its body is not
// readable.
func (s *EngineSession) Request() *http.Request { return s.request }

// State and SetState hold the upper layer's per-client state. Only call
// them inside the session actor (from handler callbacks or Run).
func (s *EngineSession) State() any     { return s.state }
func (s *EngineSession) SetState(v any) { s.state = v }

// CloseWithReason ends the session with one of the official reasons.
func (s *EngineSession) CloseWithReason(reason string) { s.tell(&closeRequested{reason: reason}) }

// Sink delivers shared broadcast packets to this session's client.
func (s *EngineSession) Sink() *Sink { return &s.sink }

// Run runs fn inside the session actor, after the messages already queued:
// state that the upper layer keeps per client is only touched there.
func (s *EngineSession) Run(fn func()) { s.tell(&taskRequested{fn: fn}) }

// ID is the session id (sid), 20 characters.
func (s *EngineSession) ID() string { return s.id }

// Protocol is the client's Engine.IO protocol revision: 4, or 3 for a
// Socket.IO 2.x client (EngineOptions.AllowEIO3). Node: socket.conn.protocol.
func (s *EngineSession) Protocol() int { return s.protocol }

// Transport is the transport in use: "polling" or "websocket".
func (s *EngineSession) Transport() string {
	if s.websocket.Load() {
		return transport.WebSocket
	}
	return transport.Polling
}

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
