package actors

import (
	"sync"

	"github.com/actorio/actorio/transport"
)

// Sink is how a room or namespace actor delivers a shared packet to one
// session's client. On a WebSocket it pushes the prebuilt bytes straight
// into the connection's queue: no actor message per recipient. While the
// client polls, or while an earlier delivery still waits in the session's
// mailbox, it routes through the mailbox instead, so a client that upgrades
// still sees packets in the order they were delivered.
type Sink struct {
	tell func(any)

	mu       sync.Mutex
	ws       *transport.WSConn
	inflight int // deliveries posted to the session and not yet handled
	closed   bool
}

// Deliver hands f to the client. It never blocks on I/O.
func (k *Sink) Deliver(f *transport.Frames, volatile bool) {
	k.mu.Lock()
	switch {
	case k.closed:
	case k.ws != nil && k.inflight == 0:
		k.ws.SendFrames(f, volatile)
	default:
		k.inflight++
		k.mu.Unlock()
		k.tell(&deliverRequested{frames: f, volatile: volatile, viaSink: true})
		return
	}
	k.mu.Unlock()
}

func (k *Sink) setWebSocket(ws *transport.WSConn) {
	k.mu.Lock()
	k.ws = ws
	k.mu.Unlock()
}

func (k *Sink) delivered() {
	k.mu.Lock()
	k.inflight--
	k.mu.Unlock()
}

func (k *Sink) close() {
	k.mu.Lock()
	k.closed, k.ws = true, nil
	k.mu.Unlock()
}

// deliverRequested: a packet for this client: from a Sink (it polls, or an
// earlier delivery is still queued), or a unicast from the upper layer.
type deliverRequested struct {
	frames   *transport.Frames
	volatile bool
	viaSink  bool // counted in the Sink's inflight
}

// taskRequested runs fn inside the session actor (the Socket.IO layer keeps
// its per-client state there).
type taskRequested struct{ fn func() }
