package actors

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// The official suites race two requests of one client against each other;
// the session must answer the same whichever it handles first. These tests
// force each order.

// A client close POSTed beside a pending GET: the GET gets a noop, the next
// GET 400, in both orders.
func TestClientCloseBesideGET(t *testing.T) {
	postClose := func(h *harness) {
		done := make(chan int, 1)
		h.s.Handle(&transport.PayloadPosted{Packets: []eio.Packet{{Type: eio.Close}}, Done: done})
		if got := <-done; got != http.StatusOK {
			h.t.Fatalf("close POST = %d, want 200", got)
		}
	}
	for _, tc := range []struct {
		name     string
		getFirst bool
	}{{"GET first", true}, {"POST first", false}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.s.Start()
				body(t, h.poll()) // the open packet
				var get chan transport.PollReply
				if tc.getFirst {
					get = h.poll()
					postClose(h)
				} else {
					postClose(h)
					get = h.poll()
				}
				if r := <-get; r.Status != http.StatusOK || string(r.Body) != "6" {
					t.Fatalf("GET = %d %q, want 200 6", r.Status, r.Body)
				}
				if h.ended != ReasonTransportClose {
					t.Fatalf("ended %q, want %q once the GET is answered", h.ended, ReasonTransportClose)
				}
				if r := <-h.poll(); r.Status != http.StatusBadRequest {
					t.Errorf("next GET = %d, want 400", r.Status)
				}
			})
		})
	}
}

// With no GET in flight, the closed session waits exactly lateGetGrace for
// one before it reports its end.
func TestClientCloseWithoutGETEndsAfterGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
		h.s.Start()
		body(t, h.poll())
		t0 := time.Now()
		done := make(chan int, 1)
		h.s.Handle(&transport.PayloadPosted{Packets: []eio.Packet{{Type: eio.Close}}, Done: done})
		<-done
		if h.ended != "" {
			t.Fatalf("ended %q before the grace for a GET in flight", h.ended)
		}
		h.next()
		if h.ended != ReasonTransportClose || h.endedAt.Sub(t0) != lateGetGrace {
			t.Errorf("ended %q after %v, want %q after %v", h.ended, h.endedAt.Sub(t0), ReasonTransportClose, lateGetGrace)
		}
		if r := <-h.poll(); r.Status != http.StatusBadRequest {
			t.Errorf("GET after the grace = %d, want 400", r.Status)
		}
	})
}

// probed starts an upgrade on a polling session up to the probe's answer.
func probed(t *testing.T) (*harness, *wsPipe) {
	h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
	h.s.Start()
	body(t, h.poll())
	probe := newWSPipe(t, h, transport.QueueLimits{})
	probe.drain()
	h.s.Handle(&transport.WebSocketAttached{Conn: probe.conn})
	h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Ping, Data: []byte("probe")}})
	return h, probe
}

// The upgrade packet and a polling GET sent after it: the GET gets 400 in
// both orders, and the session runs on the WebSocket.
func TestGETAfterUpgradePacket(t *testing.T) {
	for _, tc := range []struct {
		name     string
		getFirst bool
	}{{"upgrade first", false}, {"GET first", true}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, probe := probed(t)
				upgrade := &transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Upgrade}}
				var get chan transport.PollReply
				if tc.getFirst {
					get = h.poll()
					h.s.Handle(upgrade)
				} else {
					h.s.Handle(upgrade)
					get = h.poll()
				}
				select {
				case r := <-get:
					if r.Status != http.StatusBadRequest {
						t.Fatalf("GET = %d %q, want 400", r.Status, r.Body)
					}
				default:
					t.Fatal("GET not answered")
				}
				if h.s.ws != probe.conn || h.ended != "" {
					t.Fatalf("session on %p (ended %q), want the WebSocket", h.s.ws, h.ended)
				}
			})
		})
	}
}

// A GET after the probe and no upgrade packet gets its noop exactly one
// noop interval after it arrived, so the client can finish upgrading.
func TestGETDuringUpgradeGetsNoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := probed(t)
		t0 := time.Now()
		get := h.poll()
		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: []byte("held")}})
		select {
		case r := <-get:
			t.Fatalf("GET answered at once with %q, want it held", r.Body)
		default:
		}
		h.next()
		if got := body(t, get); got != "4held" || time.Since(t0) != noopInterval {
			t.Errorf("GET = %q after %v, want 4held after %v", got, time.Since(t0), noopInterval)
		}
		get = h.poll()
		h.next()
		if got := body(t, get); got != "6" || time.Since(t0) != 2*noopInterval {
			t.Errorf("next GET = %q after %v, want 6 after %v", got, time.Since(t0), 2*noopInterval)
		}
	})
}

// A GET that arrives at ping + pingTimeout finds the session ended, even
// when the timers saying so have not been handled yet (a loaded machine):
// the official suite GETs exactly then and expects 400.
func TestGETAtPongDeadlineFindsSessionClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.s.Start()
		body(t, h.poll())
		time.Sleep(500 * time.Millisecond) // the ping and pong timers fire, unhandled
		if r := <-h.poll(); r.Status != http.StatusBadRequest {
			t.Fatalf("GET at the pong deadline = %d %q, want 400", r.Status, r.Body)
		}
		if h.ended != ReasonPingTimeout {
			t.Errorf("ended %q, want %q", h.ended, ReasonPingTimeout)
		}
	})
}

// "closes the session upon cancelled polling request": a GET the client
// aborted reaches the session after the client's next GET. It is the tail
// of an aborted poll: the session ends and the pending GET gets 400, as if
// the abort had come first; two live GETs still end with the close packet.
func TestAbortedGETArrivingLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
		h.s.Start()
		body(t, h.poll())
		next := h.poll() // the client's next GET, handled first
		aborted := make(chan transport.PollReply, 1)
		h.s.Handle(&transport.PollRequested{Reply: aborted})
		h.s.Handle(&transport.PollAborted{Reply: aborted}) // the server notices the client went away
		if r := <-next; r.Status != http.StatusBadRequest {
			t.Errorf("pending GET = %d %q, want 400", r.Status, r.Body)
		}
		if h.ended != ReasonTransportError {
			t.Errorf("ended %q, want %q", h.ended, ReasonTransportError)
		}
	})
}

// "closes the session upon duplicate poll requests" with the suite's 300 ms
// heartbeat: the ping that falls due while the second GET is held is not
// written to the first, which still gets the close packet.
func TestDuplicateGETsAcrossAPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.s.Start()
		body(t, h.poll())
		first, second := h.poll(), h.poll()
		for h.ended == "" {
			h.next()
		}
		if r := <-first; r.Status != http.StatusOK || string(r.Body) != "1" {
			t.Errorf("first GET = %d %q, want 200 1", r.Status, r.Body)
		}
		if r := <-second; r.Status != http.StatusBadRequest {
			t.Errorf("second GET = %d, want 400", r.Status)
		}
	})
}
