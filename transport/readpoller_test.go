package transport

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// attachWS makes a WSConn of each server side in pairs, read by poller (nil:
// a goroutine each), reporting to sessions whose inbound credit is in (nil:
// unbounded).
func attachWS(t *testing.T, pool *WriterPool, poller *ReadPoller, pairs []connPair, maxPayload int, in *Inbound, pending []byte) []*fakeSession {
	t.Helper()
	sessions := make([]*fakeSession, len(pairs))
	for i, p := range pairs {
		w, err := NewWSConn(p.server, pool, QueueLimits{}, maxPayload, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.poller, w.pending = poller, pending
		sessions[i] = newFakeSession()
		sessions[i].in = in
		w.Attach(sessions[i])
	}
	return sessions
}

// wantPacket: the next thing s is told, but for pauses, is the message data.
func wantPacket(t *testing.T, s *fakeSession, data string) *WebSocketPacket {
	t.Helper()
	m := s.next(t)
	for isPaused(m) {
		m = s.next(t)
	}
	p, ok := m.(*WebSocketPacket)
	if !ok || p.Packet.Type != eio.Message || string(p.Packet.Data) != data {
		t.Fatalf("session told %#v, want the message %.40q", m, data)
	}
	return p
}

// An idle connection read by the poller holds no goroutine; every one is
// still read when its client sends.
func TestReadPollerIdleConnectionsHoldNoGoroutine(t *testing.T) {
	poller := NewReadPoller()
	if !poller.ready() {
		t.Skip("no read poller here")
	}
	defer poller.Close()
	pool := newPool(t, nil)
	const n = 300
	pairs := newTCPPairs(t, n, dialTCP)
	before := runtime.NumGoroutine()
	sessions := attachWS(t, pool, poller, pairs, 1000, nil, nil)
	if grew := runtime.NumGoroutine() - before; grew >= n/10 {
		t.Fatalf("%d idle connections on the poller added %d goroutines, want none per connection", n, grew)
	}
	for i, p := range pairs {
		if _, err := p.client.Write(maskedFrame(ws.OpText, true, []byte("4hi"))); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	for _, s := range sessions {
		wantPacket(t, s, "hi")
	}
}

// What the client sent right behind its handshake (read by the HTTP
// server's reader) comes first, then what follows on the socket.
func TestWebSocketPendingBytes(t *testing.T) {
	readers(t, func(t *testing.T, poller *ReadPoller) {
		pool := newPool(t, nil)
		pairs := newTCPPairs(t, 1, dialTCP)
		first := maskedFrame(ws.OpText, true, []byte("4first"))
		s := attachWS(t, pool, poller, pairs, 1000, nil, first[:5])[0]
		if _, err := pairs[0].client.Write(append(first[5:], maskedFrame(ws.OpText, true, []byte("4second"))...)); err != nil {
			t.Fatal(err)
		}
		wantPacket(t, s, "first")
		wantPacket(t, s, "second")
	})
}

// A message many reads long (a payload read straight into its slice)
// arrives whole, and the one behind it too.
func TestWebSocketLargeMessage(t *testing.T) {
	readers(t, func(t *testing.T, poller *ReadPoller) {
		pool := newPool(t, nil)
		pairs := newTCPPairs(t, 1, dialTCP)
		s := attachWS(t, pool, poller, pairs, 1<<20, nil, nil)[0]
		big := append([]byte("4"), bytes.Repeat([]byte("abcdefgh"), 100_000)...)
		stream := append(maskedFrame(ws.OpText, true, big), maskedFrame(ws.OpText, true, []byte("4after"))...)
		go func() {
			for len(stream) > 0 { // in pieces, as a slow network would
				k := min(len(stream), 70_001)
				if _, err := pairs[0].client.Write(stream[:k]); err != nil {
					return
				}
				stream = stream[k:]
			}
		}()
		wantPacket(t, s, string(big[1:]))
		wantPacket(t, s, "after")
	})
}

// A message over the limit is read past, then the client gets 1009 and
// the session PayloadTooLarge; one whose rest never comes gets the same
// after a second.
func TestWebSocketOversized(t *testing.T) {
	readers(t, func(t *testing.T, poller *ReadPoller) {
		for _, whole := range []bool{true, false} {
			pool := newPool(t, nil)
			pairs := newTCPPairs(t, 1, dialTCP)
			s := attachWS(t, pool, poller, pairs, 1000, nil, nil)[0]
			frame := maskedFrame(ws.OpText, true, bytes.Repeat([]byte("4"), 5000))
			if !whole {
				frame = frame[:3000]
			}
			if _, err := pairs[0].client.Write(frame); err != nil {
				t.Fatal(err)
			}
			if code, _ := readClose(t, pairs[0].client); code != ws.StatusMessageTooBig {
				t.Fatalf("close code %d, want 1009", code)
			}
			var tooLarge bool
			for _, m := range s.untilClosed(t) {
				_, ok := m.(*PayloadTooLarge)
				tooLarge = tooLarge || ok
			}
			if !tooLarge {
				t.Fatal("the session was not told PayloadTooLarge")
			}
		}
	})
}

// Past the inbound limits the connection is not read (nothing more is
// reported, whatever the client sends); as credit comes back reading
// resumes, and every message arrives, in order.
func TestWebSocketInboundPause(t *testing.T) {
	readers(t, func(t *testing.T, poller *ReadPoller) {
		pool := newPool(t, nil)
		pairs := newTCPPairs(t, 1, dialTCP)
		in := NewInbound(InboundLimits{Messages: 4}, time.Minute)
		s := attachWS(t, pool, poller, pairs, 1000, in, nil)[0]
		const n = 200
		var stream []byte
		for i := range n {
			stream = append(stream, maskedFrame(ws.OpText, true, []byte("4m"+strconv.Itoa(i)))...)
		}
		if _, err := pairs[0].client.Write(stream); err != nil {
			t.Fatal(err)
		}
		var credits []Credit
		for i := range 5 { // the limit, and the message that passed it
			credits = append(credits, wantPacket(t, s, "m"+strconv.Itoa(i)).Credit)
		}
		testkit.Eventually(t, "the reader paused", func() bool {
			_, reading := in.Reading()
			return !reading
		})
		if m := s.next(t); !isPaused(m) {
			t.Fatalf("told %#v past the inbound limit, want InboundPaused", m)
		}
		select {
		case m := <-s.msgs:
			t.Fatalf("told %#v while paused, want nothing until credit comes back", m)
		default:
		}
		for i := 5; i < n; i++ {
			for _, c := range credits {
				c.Release()
			}
			credits = append(credits[:0], wantPacket(t, s, "m"+strconv.Itoa(i)).Credit)
		}
	})
}

func isPaused(m any) bool {
	_, ok := m.(*InboundPaused)
	return ok
}
