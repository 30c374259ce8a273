package actors

import (
	"sync"
	"sync/atomic"

	"github.com/actorio/actorio/transport"
)

// Sink is the one path by which packets reach one session's client:
// broadcasts from room and namespace actors and the upper layer's unicasts
// alike, so they arrive in the order Deliver was called. On a WebSocket it pushes the prebuilt bytes straight
// into the connection's queue: no actor message per recipient. While the
// client polls, or while an earlier delivery still waits in the session's
// mailbox, it routes through the mailbox instead, so a client that upgrades
// still sees packets in the order they were delivered.
type Sink struct {
	tell  func(any)
	stats *Stats                      // nil: not counted
	hooks *atomic.Pointer[ConnEvents] // the session's; nil: none

	mu       sync.Mutex
	ws       *transport.WSConn
	inflight int // deliveries posted to the session and not yet handled
	closed   bool
}

// Deliver hands f to the client. It never blocks on I/O.
func (k *Sink) Deliver(f *transport.Frames, volatile bool) { k.deliver(f, volatile, nil) }

// deliver is Deliver; a broadcast passes its tally, which counts a direct
// push locally so that the shared counters are updated once per broadcast,
// not per recipient.
func (k *Sink) deliver(f *transport.Frames, volatile bool, t *tally) {
	k.mu.Lock()
	var flush *transport.WSConn
	switch {
	case k.closed:
	case k.ws != nil && k.inflight == 0:
		var r transport.PushResult
		if t == nil {
			// A packet for this client alone (an ack, an emit) is written
			// by the caller when its queue was empty: no writer to wake.
			// A broadcast leaves the writing to the pool, which coalesces.
			var owned bool
			if r, owned = k.ws.SendFramesOwned(f, volatile); owned {
				flush = k.ws
			}
		} else {
			r = k.ws.SendFrames(f, volatile)
		}
		if t == nil || !t.add(k.stats, r) {
			k.count(f, r)
		}
		if k.hooks != nil && r == transport.PushQueued {
			k.created(f) // under mu: in the order the packets went out
		}
	default:
		k.inflight++
		k.mu.Unlock()
		k.tell(&deliverRequested{frames: f, volatile: volatile})
		return
	}
	k.mu.Unlock()
	if flush != nil {
		flush.FlushNow()
	}
}

// count records a direct push: packets and bytes out, or a volatile drop.
func (k *Sink) count(f *transport.Frames, r transport.PushResult) {
	if k.stats == nil {
		return
	}
	if r == transport.PushDropped {
		k.stats.VolatileDrops.Add(1)
		return
	}
	k.stats.PacketsOut.Add(uint64(len(f.Packets)))
	for _, p := range f.Packets {
		k.stats.BytesOut.Add(uint64(len(p.Data)))
	}
}

// tally counts a broadcast's direct pushes; flush adds them to the shared
// Stats in one update per counter. Used by one actor at a time.
type tally struct {
	stats           *Stats // of the first counted Sink; nil: none yet
	queued, dropped uint64
}

// add counts r if the Sink shares the tally's Stats (every Sink of a
// server does), and reports whether it did.
func (t *tally) add(st *Stats, r transport.PushResult) bool {
	if st == nil {
		return true // not counted at all
	}
	if t.stats == nil {
		t.stats = st
	} else if t.stats != st {
		return false
	}
	if r == transport.PushDropped {
		t.dropped++
	} else {
		t.queued++
	}
	return true
}

// flush adds what was counted for f's recipients and resets the tally.
func (t *tally) flush(f *transport.Frames) {
	st := t.stats
	if st == nil {
		return
	}
	if t.dropped > 0 {
		st.VolatileDrops.Add(t.dropped)
	}
	if t.queued > 0 {
		bytes := 0
		for _, p := range f.Packets {
			bytes += len(p.Data)
		}
		st.PacketsOut.Add(t.queued * uint64(len(f.Packets)))
		st.BytesOut.Add(t.queued * uint64(bytes))
	}
	*t = tally{}
}

// created tells the session's ConnEvents, if any, of a direct push.
func (k *Sink) created(f *transport.Frames) {
	h := k.hooks.Load()
	if h == nil {
		return
	}
	if h.PacketCreate != nil {
		for _, p := range f.Packets {
			h.PacketCreate(p)
		}
	}
	if h.Drain != nil {
		h.Drain()
	}
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

// deliverRequested: a packet for this client, from its Sink (it polls, or
// an earlier delivery is still queued); counted in the Sink's inflight.
type deliverRequested struct {
	frames   *transport.Frames
	volatile bool
}

// taskRequested runs fn inside the session actor (the Socket.IO layer keeps
// its per-client state there).
type taskRequested struct{ fn func() }
