package actors

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Tests of the session's bounds: the polling buffer under the slow-consumer
// policy, and inbound credit (what the session releases, pauses and the
// heartbeat, the close policy).

// pollingHarness is a polling session whose open packet is collected,
// with no heartbeat in the way, its buffer bounded by q.
func pollingHarness(t *testing.T, q transport.QueueLimits, grace time.Duration) (*harness, *Stats) {
	stats := &Stats{}
	h := newHarnessWith(t, func(c *SessionConfig) {
		c.PingInterval = time.Hour
		c.Queue = q
		c.SlowConsumerGrace = grace
		c.Stats = stats
	})
	h.s.Start()
	body(t, h.poll())
	return h, stats
}

func message(n int) *sendRequested {
	return &sendRequested{packet: eio.Packet{Type: eio.Message, Data: make([]byte, n)}}
}

func TestPollingBufferBound(t *testing.T) {
	q := transport.QueueLimits{SoftBytes: 1000, HardBytes: 4000, SoftFrames: 10, HardFrames: 40}
	tests := []struct {
		name     string
		grace    time.Duration
		send     []*sendRequested
		getAfter time.Duration // a GET this long after the sends; zero: none
		want     string        // the reason the session ended, "" if open
		wantAt   time.Duration // when, after the sends
		wantSlow uint64
	}{
		{name: "under soft", grace: time.Second, send: repeat(message(99), 10)},
		{name: "past soft bytes, still past at grace end", grace: time.Second, send: repeat(message(200), 6),
			want: ReasonTransportError, wantAt: time.Second, wantSlow: 1},
		{name: "past soft packets, still past at grace end", grace: time.Second, send: repeat(message(0), 11),
			want: ReasonTransportError, wantAt: time.Second, wantSlow: 1},
		{name: "past soft, a GET within the grace", grace: time.Second, send: repeat(message(200), 6),
			getAfter: 500 * time.Millisecond},
		{name: "past soft, zero grace", send: repeat(message(200), 6), want: ReasonTransportError, wantSlow: 1},
		{name: "past hard bytes", grace: time.Hour, send: repeat(message(999), 5), want: ReasonTransportError, wantSlow: 1},
		{name: "past hard packets", grace: time.Hour, send: repeat(message(0), 41), want: ReasonTransportError, wantSlow: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, stats := pollingHarness(t, q, tt.grace)
				for _, m := range tt.send {
					h.s.Handle(m)
				}
				t0 := time.Now()
				if tt.getAfter > 0 {
					time.Sleep(tt.getAfter)
					if got := body(t, h.poll()); len(got) == 0 {
						t.Fatal("GET answered nothing")
					}
				}
				// Let the grace period run out, if one is running.
				for h.ended == "" && h.s.slowTimer != nil {
					h.next()
				}
				var at time.Duration
				if h.ended != "" {
					at = h.endedAt.Sub(t0)
				}
				if h.ended != tt.want || at != tt.wantAt {
					t.Errorf("ended %q after %v, want %q after %v", h.ended, at, tt.want, tt.wantAt)
				}
				if got := stats.SlowConsumers.Load(); got != tt.wantSlow {
					t.Errorf("SlowConsumers = %d, want %d", got, tt.wantSlow)
				}
				if tt.want == "" && h.ended == "" {
					// Still a working session: what is buffered goes out.
					h.s.Handle(message(1))
					if got := body(t, h.poll()); len(got) == 0 {
						t.Error("GET after the grace answered nothing")
					}
				}
			})
		})
	}
}

func repeat(m *sendRequested, n int) []*sendRequested {
	out := make([]*sendRequested, n)
	for i := range out {
		out[i] = m
	}
	return out
}

// A volatile packet is not buffered for a client without a GET waiting:
// it never counts toward the bound.
func TestPollingVolatileNotBuffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, stats := pollingHarness(t, transport.QueueLimits{SoftFrames: 2, HardFrames: 4}, time.Second)
		f := transport.NewFrames(eio.Packet{Type: eio.Message, Data: []byte("v")})
		for range 10 {
			h.s.Handle(&deliverRequested{frames: f, volatile: true})
		}
		if h.ended != "" || stats.VolatileDrops.Load() != 10 || len(h.s.buffer) != 0 {
			t.Errorf("ended %q, %d drops, %d buffered; want open, 10 drops, 0 buffered", h.ended, stats.VolatileDrops.Load(), len(h.s.buffer))
		}
	})
}

// creditRecorder is an EngineHandler that keeps the credit of every message,
// as the Socket.IO layer does until the socket's lane has run its handler.
type creditRecorder struct {
	nopHandler
	credits []transport.Credit
}

func (r *creditRecorder) OnMessageWithCredit(_ *EngineSession, _ []byte, _ bool, c transport.Credit) {
	r.credits = append(r.credits, c)
}

func TestSessionReleasesCredit(t *testing.T) {
	msg := eio.Packet{Type: eio.Message, Data: []byte("hello")}
	tests := []struct {
		name    string
		handler EngineHandler
		packets []eio.Packet
		closed  bool // the session ended before the packets came
		want    int  // messages still outstanding after the session handled them
	}{
		{name: "plain handler: released when OnMessage returns", handler: nopHandler{}, packets: []eio.Packet{msg, msg}},
		{name: "credit handler: kept by the handler", handler: &creditRecorder{}, packets: []eio.Packet{msg, msg}, want: 2},
		{name: "control packets: released at once", handler: &creditRecorder{}, packets: []eio.Packet{{Type: eio.Pong}, {Type: eio.Noop}}},
		{name: "after the end: released", handler: &creditRecorder{}, packets: []eio.Packet{msg}, closed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := transport.NewInbound(transport.InboundLimits{}, 0)
				h := newHarnessWith(t, func(c *SessionConfig) {
					c.PingInterval = time.Hour
					c.Handler = tt.handler
					c.Inbound = in
				})
				h.s.Start()
				body(t, h.poll())
				if tt.closed {
					h.s.Handle(&closeRequested{reason: ReasonServerShutdown})
				}
				credits := make([]transport.Credit, len(tt.packets))
				for i, p := range tt.packets {
					credits[i] = in.Acquire(len(p.Data))
				}
				done := make(chan int, 1)
				h.s.Handle(&transport.PayloadPosted{Packets: tt.packets, Credits: credits, Done: done})
				<-done
				if got, _ := in.Backlog(); got != tt.want {
					t.Errorf("outstanding after POST = %d, want %d", got, tt.want)
				}
				if r, ok := tt.handler.(*creditRecorder); ok {
					for _, c := range r.credits {
						c.Release()
					}
				}
				if got, bytes := in.Backlog(); got != 0 || bytes != 0 {
					t.Errorf("outstanding after the handler released = %d, %d bytes, want 0", got, bytes)
				}
			})
		})
	}
}

// A POST to a session that has moved to WebSocket, and packets from a probe,
// give their credit back too.
func TestSessionReleasesCreditOfRefusedPackets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := transport.NewInbound(transport.InboundLimits{}, 0)
		h := newHarnessWith(t, func(c *SessionConfig) {
			c.PingInterval = time.Hour
			c.Inbound = in
		})
		h.s.Start()
		body(t, h.poll())
		probe := newWSPipe(t, h, transport.QueueLimits{})
		probe.drain()
		h.s.Handle(&transport.WebSocketAttached{Conn: probe.conn})
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Ping, Data: []byte("probe")}, Credit: in.Acquire(5)})
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Upgrade}, Credit: in.Acquire(0)})
		if h.s.ws != probe.conn {
			t.Fatal("not upgraded")
		}
		done := make(chan int, 1)
		h.s.Handle(&transport.PayloadPosted{Packets: []eio.Packet{{Type: eio.Message}}, Credits: []transport.Credit{in.Acquire(3)}, Done: done})
		if status := <-done; status != http.StatusBadRequest {
			t.Errorf("POST after the upgrade = %d, want 400", status)
		}
		if m, b := in.Backlog(); m != 0 || b != 0 {
			t.Errorf("outstanding = %d, %d bytes, want 0", m, b)
		}
	})
}

// inboundHarness is a WebSocket session whose reader is bounded to two
// outstanding messages; its handler keeps every message's credit.
func inboundHarness(t *testing.T, policy InboundPolicy) (*harness, *wsPipe, *creditRecorder, *Stats) {
	rec := &creditRecorder{}
	stats := &Stats{}
	h := newHarnessWith(t, func(c *SessionConfig) {
		c.PingInterval, c.PingTimeout = 300*time.Millisecond, 200*time.Millisecond
		c.Handler = rec
		c.Inbound = transport.NewInbound(transport.InboundLimits{Messages: 2}, time.Minute)
		c.InboundPolicy = policy
		c.Stats = stats
	})
	p := newWSPipe(t, h, transport.QueueLimits{})
	t.Cleanup(h.s.cfg.Inbound.Close) // as the session's end does: a paused reader returns
	h.s.ws = p.conn
	h.s.Start()
	p.drain()
	return h, p, rec, stats
}

// clientWrites sends text frames from the client's end, each reported on
// the channel once written (the pipe has no buffer: written means read).
func clientWrites(p *wsPipe, frames ...string) <-chan string {
	written := make(chan string, len(frames))
	go func() {
		for _, f := range frames {
			if wsutil.WriteClientMessage(p.peer, ws.OpText, []byte(f)) != nil {
				return
			}
			written <- f
		}
	}()
	return written
}

// handleQueued runs what the reader has handed over so far.
func (h *harness) handleQueued() {
	synctest.Wait()
	for {
		select {
		case m := <-h.mailbox:
			h.s.Handle(m)
		default:
			return
		}
	}
}

// Past its limit the reader stops reading (the client's writes block),
// and resumes once the handler has caught up to half the limit.
func TestReaderPausesPastInboundLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, pipe, rec, stats := inboundHarness(t, InboundPause)
		written := clientWrites(pipe, "4a", "4b", "4c", "4d", "4e")
		h.handleQueued()
		if got := len(written); got != 3 {
			t.Fatalf("client wrote %d messages before the reader paused, want 3 (limit 2, paused past it)", got)
		}
		if len(rec.credits) != 3 || stats.InboundPauses.Load() != 1 || h.ended != "" {
			t.Fatalf("handler got %d messages, %d pauses, ended %q; want 3, 1, open", len(rec.credits), stats.InboundPauses.Load(), h.ended)
		}
		rec.credits[0].Release() // 2 outstanding: at the limit, not yet half
		h.handleQueued()
		if got := len(written); got != 3 {
			t.Fatalf("client wrote %d messages at 2 outstanding, want 3: paused until 1", got)
		}
		rec.credits[1].Release() // 1: half the limit
		h.handleQueued()
		if got := len(written); got != 5 {
			t.Errorf("client wrote %d messages after the backlog drained, want all 5", got)
		}
	})
}

// While the server does not read, a pong may be waiting unread behind the
// backlog: the ping timeout runs only while the server reads, so it ends a
// full ping timeout after reading resumes, not before.
func TestPingTimeoutWhileReadingPaused(t *testing.T) {
	tests := []struct {
		name   string
		frames []string // the client's, the last ones unread while paused
		want   string
		wantAt time.Duration
	}{
		{name: "pong behind the backlog", frames: []string{"4a", "4b", "4c", "4d", "3"}},
		{name: "no pong", frames: []string{"4a", "4b", "4c", "4d"}, want: ReasonPingTimeout, wantAt: 800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				h, pipe, rec, _ := inboundHarness(t, InboundPause)
				clientWrites(pipe, tt.frames...)
				h.handleQueued() // 3 messages read, then paused
				h.next()         // ping at 300ms
				h.next()         // pong due at 500ms: paused, so not late
				if h.ended != "" {
					t.Fatalf("ended %q at %v while the server was not reading", h.ended, time.Since(t0))
				}
				time.Sleep(100 * time.Millisecond)
				for _, c := range rec.credits {
					c.Release() // reading resumes at 600ms
				}
				h.handleQueued()
				for h.ended == "" && time.Since(t0) < 2*time.Second {
					h.next()
				}
				if tt.want == "" {
					if h.ended != ReasonPingTimeout || h.endedAt.Sub(t0) < time.Second {
						t.Errorf("ended %q at %v, want the heartbeat to go on after the pong", h.ended, h.endedAt.Sub(t0))
					}
					return
				}
				if h.ended != tt.want || h.endedAt.Sub(t0) != tt.wantAt {
					t.Errorf("ended %q at %v, want %q at exactly %v (resumed at 600ms + pingTimeout)", h.ended, h.endedAt.Sub(t0), tt.want, tt.wantAt)
				}
			})
		})
	}
}

func TestInboundBacklogCloses(t *testing.T) {
	tests := []struct {
		name   string
		policy InboundPolicy
		wantAt time.Duration // after the pause
	}{
		{name: "close policy: at the pause", policy: InboundClose},
		{name: "pause policy: when nothing drains for the stall period", policy: InboundPause, wantAt: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, pipe, _, stats := inboundHarness(t, tt.policy)
				h.s.cfg.PingInterval = time.Hour // the backlog alone decides
				h.s.nextPing = time.Now().Add(time.Hour)
				h.s.armPing()
				clientWrites(pipe, "4a", "4b", "4c", "4d")
				h.handleQueued()
				t0 := time.Now()
				for h.ended == "" {
					h.next()
				}
				if h.ended != ReasonTransportError || h.endedAt.Sub(t0) != tt.wantAt {
					t.Errorf("ended %q after %v, want %q after %v", h.ended, h.endedAt.Sub(t0), ReasonTransportError, tt.wantAt)
				}
				if got := stats.InboundBacklogCloses.Load(); got != 1 {
					t.Errorf("InboundBacklogCloses = %d, want 1", got)
				}
			})
		})
	}
}
