package actorio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Inbound credit end to end, in fake time over net.Pipe: the pipe has no
// buffer, so a client's write that does not return means the server is not
// reading, exactly.

// pipeWS opens a WebSocket to the server behind l.
type pipeWS struct {
	t    *testing.T
	conn net.Conn
	rw   io.ReadWriter
}

func dialPipeWS(t *testing.T, l *testkit.PipeListener, path string) *pipeWS {
	t.Helper()
	conn, err := l.Dial()
	if err != nil {
		t.Fatal(err)
	}
	d := ws.Dialer{NetDial: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
	_, br, _, err := d.Dial(context.Background(), "ws://x"+path+"?EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return &pipeWS{t: t, conn: conn, rw: struct {
		io.Reader
		io.Writer
	}{r, conn}}
}

func (c *pipeWS) send(s string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(s)); err != nil {
		c.t.Fatalf("send %q: %v", s, err)
	}
}

func (c *pipeWS) expect(prefix string) string {
	c.t.Helper()
	data, _, err := wsutil.ReadServerData(c.rw)
	if err != nil || !strings.HasPrefix(string(data), prefix) {
		c.t.Fatalf("read = %q, %v, want %q...", data, err, prefix)
	}
	return string(data)
}

// serveInBubble serves h over the listener until the test ends, and stops
// the whole server; the bubble then outlasts protoactor's dead-letter
// throttle, as in TestAckTimeoutsInFakeTime.
func serveInBubble(t *testing.T, h http.Handler, stop func()) *testkit.PipeListener {
	l := testkit.NewPipeListener()
	web := &http.Server{Handler: h}
	go func() { _ = web.Serve(l) }()
	t.Cleanup(func() {
		_ = web.Close()
		stop()
		time.Sleep(time.Minute)
	})
	return l
}

// A socket whose handler is stuck: the server reads the events its lane can
// hold (InboundLimits) and no more, then waits (pause) or cuts it (close).
func TestSocketIOInboundBacklogInFakeTime(t *testing.T) {
	tests := []struct {
		name       string
		policy     actorio.InboundPolicy
		wantReason string // the socket's disconnect reason, "" if it stays
	}{
		{name: "pause", policy: actorio.InboundPause},
		{name: "close", policy: actorio.InboundClose, wantReason: "transport error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
					PingInterval: time.Hour, PingTimeout: time.Minute,
					InboundLimits: actorio.InboundLimits{Messages: 4}, InboundPolicy: tt.policy,
				}})
				release := make(chan struct{})
				reasons := make(chan string, 1)
				srv.OnConnection(func(s *actorio.Socket) {
					_ = s.On("work", func(n int, ack actorio.Ack) {
						<-release
						_ = ack.Send(n)
					})
					s.OnDisconnect(func(r string) { reasons <- r })
				})
				l := serveInBubble(t, srv, srv.Close)
				c := dialPipeWS(t, l, "/socket.io/")
				c.expect("0{")
				c.send("40")
				c.expect("40{")
				synctest.Wait() // the connection handlers have run: CONNECT's credit is back

				const events = 20
				written := make(chan int, events)
				go func() {
					for i := range events {
						if wsutil.WriteClientText(c.conn, fmt.Appendf(nil, `42%d["work",%d]`, i, i)) != nil {
							return
						}
						written <- i
					}
				}()
				synctest.Wait()
				// One event in its handler and four waiting on the lane
				// pass the limit of four: the reader stops after the fifth.
				if got := len(written); got != 5 {
					t.Fatalf("client wrote %d events before the server stopped reading, want 5", got)
				}
				if tt.wantReason != "" {
					if _, _, err := wsutil.ReadServerData(c.rw); err == nil {
						t.Error("connection still open, want it closed")
					}
					close(release)
					if got := <-reasons; got != tt.wantReason {
						t.Errorf("disconnected with %q, want %q", got, tt.wantReason)
					}
					c.conn.Close()
					return
				}
				close(release) // the handler catches up: every event is read and answered
				for i := range events {
					c.expect(fmt.Sprintf(`43%d[%d]`, i, i))
				}
				select {
				case r := <-reasons:
					t.Errorf("disconnected (%q), want the socket kept", r)
				default:
				}
				c.conn.Close()
			})
		})
	}
}

// slowEngine is a bare Engine handler slower than its client: OnMessage
// runs in the session's actor, so the messages waiting for it wait in the
// actor's mailbox, each holding its credit.
type slowEngine struct{ release chan struct{} }

func (slowEngine) OnOpen(*actorio.EngineSession) {}
func (e slowEngine) OnMessage(s *actorio.EngineSession, data []byte, binary bool) {
	<-e.release
	s.Send(data, binary)
}
func (slowEngine) OnClose(*actorio.EngineSession, string) {}

// The bare Engine is bounded the same way: the mailbox holds no more than
// the limit.
func TestEngineInboundBacklogInFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := slowEngine{release: make(chan struct{})}
		e := actorio.NewEngine(&actorio.EngineOptions{
			PingInterval: time.Hour, PingTimeout: time.Minute,
			InboundLimits: actorio.InboundLimits{Messages: 4},
		}, h)
		l := serveInBubble(t, e, e.Close)
		c := dialPipeWS(t, l, "/engine.io/")
		c.expect("0{")
		const messages = 20
		written := make(chan int, messages)
		go func() {
			for i := range messages {
				if wsutil.WriteClientText(c.conn, fmt.Appendf(nil, "4m%d", i)) != nil {
					return
				}
				written <- i
			}
		}()
		synctest.Wait()
		// One in OnMessage, four waiting in the mailbox: past the limit.
		if got := len(written); got != 5 {
			t.Fatalf("client wrote %d messages before the server stopped reading, want 5", got)
		}
		close(h.release)
		for i := range messages {
			c.expect(fmt.Sprintf("4m%d", i))
		}
		c.conn.Close()
	})
}

// Every kind of packet gives its credit back once handled: with a limit of
// one outstanding message, a single leaked credit would stop the reader
// for good and the session would end as stalled.
func TestEveryPacketReleasesItsCredit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
			PingInterval: time.Hour, PingTimeout: time.Minute,
			InboundLimits: actorio.InboundLimits{Messages: 1},
		}})
		srv.Of("/admin").OnConnection(func(*actorio.Socket) {})
		sockets := make(chan *actorio.Socket, 1)
		reasons := make(chan string, 4)
		srv.OnConnection(func(s *actorio.Socket) {
			_ = s.On("echo", func(v string, ack actorio.Ack) { _ = ack.Send(v) })
			_ = s.On("bin", func(b []byte, ack actorio.Ack) { _ = ack.Send(len(b)) })
			s.OnDisconnect(func(r string) { reasons <- r })
			sockets <- s
		})
		l := serveInBubble(t, srv, srv.Close)
		c := dialPipeWS(t, l, "/socket.io/")
		c.expect("0{")
		c.send("40")
		c.expect("40{")
		s := <-sockets
		for round := range 3 {
			c.send("40/admin,")
			c.expect("40/admin,{")
			c.send(`42/admin,["nobody listens"]`)
			c.send("41/admin,")
			c.send("40/nope,")
			c.expect(`44/nope,{"message":"Invalid namespace"}`)
			c.send(`42/nope,["not connected"]`)
			c.send(fmt.Sprintf(`421["echo","r%d"]`, round))
			c.expect(fmt.Sprintf(`431["r%d"]`, round))
			c.send(`451-2["bin",{"_placeholder":true,"num":0}]`)
			if err := wsutil.WriteClientBinary(c.conn, []byte{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			c.expect(`432[3]`)
			// An ack from the client, to a question from outside any
			// handler. (A handler that waits for its own client holds its
			// event's credit meanwhile: with a limit of one, a pause at
			// that moment could not end, which is why the default is large.)
			answered := make(chan string, 1)
			go func() {
				answer, err := s.EmitWithAck(context.Background(), "question")
				answered <- fmt.Sprint(answer.Len(), err)
			}()
			q := c.expect(`42`)
			var id int
			if _, err := fmt.Sscanf(q, `42%d["question"]`, &id); err != nil {
				t.Fatalf("question = %q: %v", q, err)
			}
			c.send(fmt.Sprintf(`43%d["answer"]`, id))
			if got := <-answered; got != "1 <nil>" {
				t.Fatalf("EmitWithAck = %s, want 1 answer", got)
			}
		}
		select {
		case r := <-reasons:
			t.Errorf("disconnected (%q), want the socket kept", r)
		default:
		}
		c.conn.Close()
	})
}

// A packet whose attachments add up to more than the limit is still read
// whole: while it waits for them its parts hold no credit (the reader,
// paused, would never read the rest).
func TestBinaryPacketLargerThanInboundLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
			PingInterval: time.Hour, PingTimeout: time.Minute,
			InboundLimits: actorio.InboundLimits{Bytes: 1000},
		}})
		srv.OnConnection(func(s *actorio.Socket) {
			_ = s.On("files", func(a, b, c, d []byte, ack actorio.Ack) { _ = ack.Send(len(a) + len(b) + len(c) + len(d)) })
		})
		l := serveInBubble(t, srv, srv.Close)
		c := dialPipeWS(t, l, "/socket.io/")
		c.expect("0{")
		c.send("40")
		c.expect("40{")
		for range 2 {
			c.send(`454-1["files",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2},{"_placeholder":true,"num":3}]`)
			for range 4 {
				if err := wsutil.WriteClientBinary(c.conn, make([]byte, 400)); err != nil {
					t.Fatalf("attachment: %v", err)
				}
			}
			c.expect(`431[1600]`)
		}
		c.conn.Close()
	})
}

// creditKeeper is a bare Engine handler that keeps every message's credit
// until the test releases it.
type creditKeeper struct {
	credits chan actorio.InboundCredit
	closed  chan string
}

func (k creditKeeper) OnOpen(*actorio.EngineSession) {}
func (k creditKeeper) OnMessage(*actorio.EngineSession, []byte, bool) {
	panic("OnMessage called on an EngineCreditHandler")
}
func (k creditKeeper) OnMessageWithCredit(_ *actorio.EngineSession, _ []byte, _ bool, c actorio.InboundCredit) {
	k.credits <- c
}
func (k creditKeeper) OnClose(_ *actorio.EngineSession, reason string) { k.closed <- reason }

// Over polling, the POST's "ok" waits while the backlog is past its limit,
// so the client (which posts again only after it) is slowed; a hold in
// which nothing drains for pingTimeout ends the session.
func TestPollingPostHeldWhileBacklogged(t *testing.T) {
	tests := []struct {
		name       string
		release    int           // credits the handler gives back
		wantAfter  time.Duration // when the POST is answered
		wantClosed string
	}{
		{name: "drains to half", release: 2},
		{name: "stalls", release: 0, wantAfter: 3 * time.Second, wantClosed: "transport error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				k, hc, url := heldPollingSession(t)
				start := time.Now()
				answered := make(chan string, 1)
				go func() {
					body, err := pollDo(hc, "POST", url, "4a\x1e4b\x1e4c")
					answered <- fmt.Sprint(body, err)
				}()
				synctest.Wait()
				if len(k.credits) != 3 || len(answered) != 0 {
					t.Fatalf("handler got %d messages, POST answered: %v; want 3 and the answer held", len(k.credits), len(answered) != 0)
				}
				for range tt.release {
					(<-k.credits).Release()
					synctest.Wait()
					if len(answered) != 0 && len(k.credits) > 1 {
						t.Fatal("POST answered with the backlog still above half its limit")
					}
				}
				if got := <-answered; got != "ok<nil>" || time.Since(start) != tt.wantAfter {
					t.Errorf("POST = %q after %v, want ok after %v", got, time.Since(start), tt.wantAfter)
				}
				synctest.Wait() // the session has handled what the POST's end told it
				select {
				case got := <-k.closed:
					if got != tt.wantClosed {
						t.Errorf("session closed %q, want %q", got, tt.wantClosed)
					}
				default:
					if tt.wantClosed != "" {
						t.Errorf("session open, want it closed %q", tt.wantClosed)
					}
				}
			})
		})
	}
}

// A second POST while one is held would get round the bound: it is
// refused and the session ends, as Node does on a data request overlap.
func TestPollingOverlappingPostRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, hc, url := heldPollingSession(t)
		first := make(chan string, 1)
		go func() {
			body, err := pollDo(hc, "POST", url, "4a\x1e4b\x1e4c")
			first <- fmt.Sprint(body, err)
		}()
		synctest.Wait() // held: three messages outstanding, limit two
		if _, err := pollDo(hc, "POST", url, "4d"); err == nil || !strings.Contains(err.Error(), "status 400") {
			t.Errorf("second POST: %v, want status 400", err)
		}
		if got := <-k.closed; got != "transport error" {
			t.Errorf("session closed %q, want %q", got, "transport error")
		}
		if got := <-first; got != "ok<nil>" {
			t.Errorf("first POST = %q, want ok: its packets were taken", got)
		}
		if len(k.credits) != 3 {
			t.Errorf("handler got %d messages, want the first POST's 3 only", len(k.credits))
		}
	})
}

// heldPollingSession opens, inside the test's bubble, a polling session on
// an Engine whose handler keeps every message's credit, with a limit of two
// messages; it returns the handler, a client and the session's URL.
func heldPollingSession(t *testing.T) (creditKeeper, *http.Client, string) {
	t.Helper()
	k := creditKeeper{credits: make(chan actorio.InboundCredit, 16), closed: make(chan string, 1)}
	e := actorio.NewEngine(&actorio.EngineOptions{
		PingInterval: time.Hour, PingTimeout: 3 * time.Second,
		InboundLimits: actorio.InboundLimits{Messages: 2},
	}, k)
	l := serveInBubble(t, e, e.Close)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return l.Dial()
	}}}
	t.Cleanup(hc.CloseIdleConnections)
	base := "http://x/engine.io/?EIO=4&transport=polling"
	body, err := pollDo(hc, "GET", base, "")
	var hs struct{ SID string }
	if err != nil || json.Unmarshal([]byte(body[1:]), &hs) != nil {
		t.Fatalf("handshake = %q, %v", body, err)
	}
	return k, hc, base + "&sid=" + hs.SID
}
