package actors

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/rs/zerolog"
)

type nopHandler struct{}

func (nopHandler) OnOpen(*EngineSession)                  {}
func (nopHandler) OnMessage(*EngineSession, []byte, bool) {}
func (nopHandler) OnClose(*EngineSession, string)         {}

// harness drives a Session the way its actor would, from the test
// goroutine, with the session's own timer messages read from mailbox.
type harness struct {
	t       *testing.T
	s       *Session
	mailbox chan any
	ended   string
	endedAt time.Time
}

func newHarness(t *testing.T) *harness {
	return newHarnessWith(t, func(*SessionConfig) {})
}

func newHarnessWith(t *testing.T, configure func(*SessionConfig)) *harness {
	h := &harness{t: t, mailbox: make(chan any, 1024)}
	cfg := SessionConfig{
		SessionSettings: &SessionSettings{
			PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
			UpgradeTimeout: time.Second, MaxPayload: 1e6, AllowUpgrades: true,
			Handler: nopHandler{}, Logger: zerolog.Nop(),
		},
		SID:   "sid",
		Ended: func(_, reason string) { h.ended, h.endedAt = reason, time.Now() },
	}
	configure(&cfg)
	h.s = NewSession(cfg, h.Tell)
	return h
}

// The harness is also the transport.Session its WebSockets report to.
func (h *harness) Tell(m any)            { h.mailbox <- m }
func (h *harness) Done() <-chan struct{} { return nil }
func (h *harness) Inbound() *transport.Inbound {
	return h.s.cfg.Inbound
}

// poll issues a GET and returns its reply channel.
func (h *harness) poll() chan transport.PollReply {
	reply := make(chan transport.PollReply, 1)
	h.s.Handle(&transport.PollRequested{Reply: reply})
	return reply
}

// next runs the next timer message; fake time jumps to when it fires.
func (h *harness) next() { h.s.Handle(<-h.mailbox) }

func body(t *testing.T, reply chan transport.PollReply) string {
	t.Helper()
	select {
	case r := <-reply:
		return string(r.Body)
	default:
		t.Fatal("poll not answered")
		return ""
	}
}

func TestHeartbeatClosesExactlyAtPingTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		t0 := time.Now()
		h.s.Start()
		if got := body(t, h.poll()); got[0] != '0' {
			t.Fatalf("first poll = %q, want the open packet", got)
		}
		pending := h.poll()
		h.next()
		if got := body(t, pending); got != "2" || time.Since(t0) != 300*time.Millisecond {
			t.Fatalf("ping %q at %v, want 2 at 300ms", got, time.Since(t0))
		}
		pending = h.poll()
		h.next()
		if h.ended != ReasonPingTimeout || h.endedAt.Sub(t0) != 500*time.Millisecond {
			t.Fatalf("ended %q at %v, want %q at exactly 500ms", h.ended, h.endedAt.Sub(t0), ReasonPingTimeout)
		}
		if got := body(t, pending); got != "1" {
			t.Errorf("pending poll got %q, want the close packet", got)
		}
	})
}

func TestPongRearmsHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		t0 := time.Now()
		h.s.Start()
		body(t, h.poll())
		pending := h.poll()
		h.next() // ping at 300ms
		body(t, pending)
		time.Sleep(50 * time.Millisecond) // fake time: the client answers 50ms later
		done := make(chan int, 1)
		h.s.Handle(&transport.PayloadPosted{Packets: []eio.Packet{{Type: eio.Pong}}, Done: done})
		if <-done != http.StatusOK {
			t.Fatal("pong POST refused")
		}
		pending = h.poll()
		h.next()
		if got := body(t, pending); got != "2" || time.Since(t0) != 650*time.Millisecond {
			t.Fatalf("second ping %q at %v, want at 650ms (pong + pingInterval)", got, time.Since(t0))
		}
		if h.ended != "" {
			t.Fatalf("session ended: %s", h.ended)
		}
		// A forced close over polling waits for the next GET, which gets
		// what was buffered first and the close packet after.
		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: []byte("bye")}})
		h.s.Handle(&closeRequested{reason: ReasonForcedClose})
		if h.ended != "" {
			t.Fatalf("ended %q before the client collected its packets", h.ended)
		}
		if got := body(t, h.poll()); got != "4bye" {
			t.Errorf("GET after the forced close = %q, want the buffered packet alone", got)
		}
		if got := body(t, h.poll()); got != "1" || h.ended != ReasonForcedClose {
			t.Errorf("next GET = %q, ended %q; want the close packet and %q", got, h.ended, ReasonForcedClose)
		}
	})
}

func TestOverlappingPollClosesSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
		h.s.Start()
		body(t, h.poll())
		first := h.poll()
		second := h.poll()
		h.next() // the second GET's client is still there after overlapWait
		if r := <-second; r.Status != http.StatusBadRequest {
			t.Errorf("second GET status %d, want 400", r.Status)
		}
		if got := body(t, first); got != "1" || h.ended != ReasonTransportError {
			t.Errorf("first GET %q, ended %q", got, h.ended)
		}
		if r := <-h.poll(); r.Status != http.StatusBadRequest {
			t.Errorf("GET after close status %d, want 400", r.Status)
		}
	})
}
