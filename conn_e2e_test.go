package actorio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// The Conn (socket.conn) and the handshake's Request (socket.request),
// through the official socket.io-client (testdata/e2e/conn_client.js).

const connE2EScript = "testdata/e2e/conn_client.js"

// startConnServer serves a Socket.IO server behind wrap (HTTP middleware;
// nil: none) on a loopback port and returns it with its URL and log.
func startConnServer(t *testing.T, opts actorio.Options, wrap func(http.Handler) http.Handler) (*actorio.Server, string, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	opts.Logger = zerolog.New(log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	srv := actorio.NewServer(&opts)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return srv, hs.URL, log
}

// connRecord is what a Conn's callbacks saw, in order.
type connRecord struct {
	mu        sync.Mutex
	in, out   []actorio.EnginePacket
	upgrades  []string
	closes    []string
	drains    int
	heartbeat chan struct{} // one value per heartbeat, dropped when full
	closed    chan string
}

func recordConn(c *actorio.Conn) *connRecord {
	r := &connRecord{heartbeat: make(chan struct{}, 1), closed: make(chan string, 4)}
	c.OnPacket(func(p actorio.EnginePacket) { r.mu.Lock(); r.in = append(r.in, p); r.mu.Unlock() })
	c.OnPacketCreate(func(p actorio.EnginePacket) { r.mu.Lock(); r.out = append(r.out, p); r.mu.Unlock() })
	c.OnUpgrade(func(tr string) { r.mu.Lock(); r.upgrades = append(r.upgrades, tr); r.mu.Unlock() })
	c.OnDrain(func() { r.mu.Lock(); r.drains++; r.mu.Unlock() })
	c.OnHeartbeat(func() {
		select {
		case r.heartbeat <- struct{}{}:
		default:
		}
	})
	c.OnClose(func(reason string) {
		r.mu.Lock()
		r.closes = append(r.closes, reason)
		r.mu.Unlock()
		r.closed <- reason
	})
	return r
}

// has reports whether ps holds a packet of type typ whose data contains s.
func has(ps []actorio.EnginePacket, typ string, s string) bool {
	for _, p := range ps {
		if p.Type.String() == typ && strings.Contains(string(p.Data), s) {
			return true
		}
	}
	return false
}

type ctxKey struct{}

func TestConnE2E(t *testing.T) {
	requireSIONode(t)
	ctx := e2eContext(t, e2eTimeout)
	var o actorio.Options
	// A ping soon after the upgrade, and no timeout on a loaded machine.
	o.PingInterval, o.PingTimeout = 300*time.Millisecond, 10*time.Second
	// The middleware sets a context value; it also holds the upgrade
	// until the connection handler has registered OnUpgrade, which the
	// client may otherwise be faster than.
	registered := make(chan struct{})
	middleware := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("transport") == "websocket" {
				select {
				case <-registered:
				case <-r.Context().Done():
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "from-middleware")))
		})
	}
	srv, url, _ := startConnServer(t, o, middleware)
	type seen struct {
		s   *actorio.Socket
		rec *connRecord
	}
	conns := make(chan seen, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		rec := recordConn(s.Conn())
		_ = s.On("info", func(ack actorio.Ack) {
			r := s.Request()
			cookie, err := r.Cookie("flavour")
			if err != nil {
				cookie = &http.Cookie{}
			}
			ctxValue, _ := r.Context().Value(ctxKey{}).(string)
			_ = ack(map[string]any{
				"id": s.Conn().ID(), "transport": s.Conn().Transport(), "protocol": s.Conn().Protocol(),
				"cookie": cookie.Value, "header": r.Header.Get("X-Trace"), "ctx": ctxValue,
				"ctxErr": r.Context().Err() != nil, "sameRequest": r == s.Conn().Request(),
				"remote": s.Conn().RemoteAddr(),
			})
		})
		conns <- seen{s, rec}
		close(registered)
		go func() { // the heartbeat, then the client may finish
			select {
			case <-rec.heartbeat:
				_ = s.Emit("done")
			case <-ctx.Done():
			}
		}()
	})

	node, _ := runNode(t, ctx, connE2EScript, "conn_client.js conn", url, "conn")
	var res struct {
		EngineID, First, Last string
		Info                  struct {
			ID, Transport, Cookie, Header, Ctx, Remote string
			Protocol                                   int
			CtxErr, SameRequest                        bool
		}
	}
	node.result(ctx, &res)
	got := sioRecv(t, ctx, conns, "the connection handler")
	if reason := sioRecv(t, ctx, got.rec.closed, "Conn.OnClose"); reason != "transport close" {
		t.Errorf("OnClose reason = %q, want %q", reason, "transport close")
	}

	if res.Info.ID != res.EngineID || res.EngineID == "" || got.s.Conn().ID() != res.EngineID {
		t.Errorf("Conn().ID() = %q, client's socket.io.engine.id = %q; want the same", res.Info.ID, res.EngineID)
	}
	if got.s.Conn().ID() == got.s.ID() {
		t.Errorf("Conn().ID() = Socket.ID() = %q, want the Engine.IO id, not the socket's", got.s.ID())
	}
	if res.First != "polling" || res.Last != "websocket" || res.Info.Transport != "websocket" {
		t.Errorf("client's transport %q then %q, Conn().Transport() after the upgrade = %q; want polling, websocket, websocket",
			res.First, res.Last, res.Info.Transport)
	}
	want := struct{ cookie, header, ctx string }{"oat", "t-1", "from-middleware"}
	if res.Info.Cookie != want.cookie || res.Info.Header != want.header || res.Info.Ctx != want.ctx {
		t.Errorf("Request(): cookie %q, X-Trace %q, middleware's context value %q; want %q, %q, %q",
			res.Info.Cookie, res.Info.Header, res.Info.Ctx, want.cookie, want.header, want.ctx)
	}
	if res.Info.CtxErr || !res.Info.SameRequest || res.Info.Protocol != 4 || !strings.HasPrefix(res.Info.Remote, "127.0.0.1:") {
		t.Errorf("Request().Context().Err() != nil: %v, Socket.Request() == Conn().Request(): %v, Protocol() = %d, RemoteAddr() = %q; want false, true, 4, 127.0.0.1:port",
			res.Info.CtxErr, res.Info.SameRequest, res.Info.Protocol, res.Info.Remote)
	}

	r := got.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.upgrades) != 1 || r.upgrades[0] != "websocket" {
		t.Errorf("OnUpgrade calls = %q, want [websocket]", r.upgrades)
	}
	if len(r.closes) != 1 {
		t.Errorf("OnClose calls = %q, want one", r.closes)
	}
	if !has(r.in, "pong", "") || !has(r.in, "message", `"info"`) {
		t.Errorf("OnPacket saw %v, want the client's pong and its info event", r.in)
	}
	if !has(r.out, "ping", "") || !has(r.out, "message", `"done"`) {
		t.Errorf("OnPacketCreate saw %v, want a ping and the done event", r.out)
	}
	if r.drains == 0 {
		t.Errorf("OnDrain was not called")
	}
}

// TestGenerateIDE2E: the official client gets the id GenerateID chose
// (socket.io.engine.id); an error from GenerateID refuses it as Node does
// (400, {"code":3,"message":"Bad request"}).
func TestGenerateIDE2E(t *testing.T) {
	requireSIONode(t)
	var n atomic.Int64
	var o actorio.Options
	o.PingInterval, o.PingTimeout = 10*time.Second, 10*time.Second
	o.GenerateID = func(r *http.Request) (string, error) {
		if r.Header.Get("Origin") != "" {
			return "", errors.New("unexpected origin")
		}
		if n.Add(1) > 1 {
			return "", errors.New("no more ids")
		}
		return "custom-id.1~" + r.URL.Query().Get("transport"), nil
	}
	_, url, _ := startConnServer(t, o, nil)
	type outcome struct {
		EngineID  string
		Connected bool
		Message   string
		Status    int
		Body      string
	}
	tests := []struct {
		name string
		want outcome
	}{
		{"custom id", outcome{EngineID: "custom-id.1~polling", Connected: true}},
		{"GenerateID fails", outcome{Message: "xhr poll error", Status: 400, Body: `{"code":3,"message":"Bad request"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := e2eContext(t, e2eTimeout)
			node, _ := runNode(t, ctx, connE2EScript, "conn_client.js id", url, "id")
			var got outcome
			node.result(ctx, &got)
			if got != tt.want {
				t.Errorf("client = %+v, want %+v", got, tt.want)
			}
		})
	}
}
