package actors

import (
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// wsPipe is a WebSocket over net.Pipe, flushed by a writer pool, all inside
// the synctest bubble; peer is the client's end.
type wsPipe struct {
	conn *transport.WSConn
	peer net.Conn
	pool *transport.WriterPool
}

func newWSPipe(t *testing.T, h *harness, limits transport.QueueLimits) *wsPipe {
	t.Helper()
	server, peer := net.Pipe()
	pool := transport.NewWriterPool(nil)
	conn, err := transport.NewWSConn(server, pool, limits, 1e6, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.Attach(h)
	p := &wsPipe{conn: conn, peer: peer, pool: pool}
	t.Cleanup(p.close)
	return p
}

func (p *wsPipe) close() {
	p.peer.Close()
	p.pool.Stop()
}

// drain reads everything the server writes, until the pipe closes.
func (p *wsPipe) drain() { go func() { _, _ = io.Copy(io.Discard, p.peer) }() }

func TestUpgradeTimeoutKeepsPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
		h.s.Start()
		body(t, h.poll())
		probe := newWSPipe(t, h, transport.QueueLimits{})
		probe.drain()
		t0 := time.Now()
		h.s.Handle(&transport.WebSocketAttached{Conn: probe.conn})
		pending := h.poll()
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Ping, Data: []byte("probe")}})
		if got := body(t, pending); got != "6" {
			t.Fatalf("poll during upgrade = %q, want noop", got)
		}
		// Noops every 100ms, then the upgrade timeout at exactly 1s.
		for h.s.probe != nil {
			h.next()
		}
		if d := time.Since(t0); d != time.Second {
			t.Errorf("upgrade abandoned after %v, want exactly the 1s upgradeTimeout", d)
		}
		if h.ended != "" {
			t.Fatalf("session ended (%s) on an upgrade timeout", h.ended)
		}
		// A late "5" on the abandoned probe changes nothing; polling goes on.
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Upgrade}})
		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: []byte("still")}})
		if got := body(t, h.poll()); got != "4still" {
			t.Errorf("poll after the timeout = %q, want 4still", got)
		}
	})
}

// sendUntilSlow queues messages on a WebSocket whose peer never reads until
// the queue reports crossing its soft limit.
func sendUntilSlow(t *testing.T, h *harness) {
	t.Helper()
	for range 1000 {
		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: make([]byte, 100)}})
		select {
		case m := <-h.mailbox:
			if _, ok := m.(*transport.SlowConsumer); !ok {
				t.Fatalf("got %T, want SlowConsumer", m)
			}
			h.s.Handle(m)
			return
		default:
		}
	}
	t.Fatal("the soft limit was never reported")
}

func wsHarness(t *testing.T, grace time.Duration) (*harness, *wsPipe) {
	h := newHarnessWith(t, func(c *SessionConfig) {
		c.PingInterval = time.Hour
		c.SlowConsumerGrace = grace
	})
	p := newWSPipe(t, h, transport.QueueLimits{SoftBytes: 2000, HardBytes: 1 << 20})
	h.s.ws = p.conn // opened over WebSocket
	h.s.Start()
	return h, p
}

func TestSlowConsumerClosedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := wsHarness(t, 0)
		sendUntilSlow(t, h)
		if h.ended != ReasonTransportError {
			t.Errorf("ended %q, want %q at the soft limit", h.ended, ReasonTransportError)
		}
	})
}

func TestSlowConsumerGrace(t *testing.T) {
	t.Run("still backlogged", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := wsHarness(t, 2*time.Second)
			sendUntilSlow(t, h)
			t0 := time.Now()
			if h.ended != "" {
				t.Fatalf("ended %q during the grace period", h.ended)
			}
			h.next()
			if h.ended != ReasonTransportError || h.endedAt.Sub(t0) != 2*time.Second {
				t.Errorf("ended %q after %v, want %q after exactly 2s", h.ended, h.endedAt.Sub(t0), ReasonTransportError)
			}
		})
	})
	t.Run("caught up", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, p := wsHarness(t, 2*time.Second)
			sendUntilSlow(t, h)
			p.drain()
			synctest.Wait() // the writer empties the queue into the reader
			h.next()
			if h.ended != "" {
				t.Errorf("ended %q although the client caught up within the grace period", h.ended)
			}
		})
	})
}
