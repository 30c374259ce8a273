package actorio_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
)

// The heartbeat at the wire level, in fake time: the Engine serves over
// net.Pipe inside a synctest bubble, so each ping and each ping timeout is
// checked at its exact instant, whatever the machine's load.

// fakeTimeEngine serves an Engine with opts inside the current bubble and
// returns the listener its clients dial and an HTTP client that reaches it.
func fakeTimeEngine(t *testing.T, opts *actorio.EngineOptions) (*testkit.PipeListener, *http.Client) {
	t.Helper()
	engine := actorio.NewEngine(opts, echoHandler{})
	l := testkit.NewPipeListener()
	web := &http.Server{Handler: engine}
	go func() { _ = web.Serve(l) }()
	c := l.Client()
	t.Cleanup(func() {
		c.CloseIdleConnections()
		_ = web.Close()
		engine.Close()
		// Messages that reach actors already stopped are dead letters,
		// counted on a ticker for a throttle period: let fake time pass it,
		// so the bubble ends with nothing waiting.
		time.Sleep(time.Minute)
	})
	return l, c
}

var suiteHeartbeat = actorio.EngineOptions{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}

func TestHeartbeatPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := suiteHeartbeat
		_, c := fakeTimeEngine(t, &opts)
		base := "http://x/engine.io/"
		_, url := handshakeWith(t, c, base)
		t0 := time.Now()
		steps := []struct {
			name, method, body string
			wantStatus         int
			wantBody           string
			wantAt             time.Duration // since the handshake
		}{
			{"GET waits for the first ping", "GET", "", 200, "2", 300 * time.Millisecond},
			{"pong", "POST", "3", 200, "ok", 300 * time.Millisecond},
			{"GET waits for the next ping", "GET", "", 200, "2", 600 * time.Millisecond},
			{"no pong: GET gets the close at ping + pingTimeout", "GET", "", 200, "1", 800 * time.Millisecond},
			{"GET after the close", "GET", "", 400, "", 800 * time.Millisecond},
		}
		for _, st := range steps {
			status, body := doWith(t, c, st.method, url, st.body)
			if status != st.wantStatus || (st.wantBody != "" && body != st.wantBody) || time.Since(t0) != st.wantAt {
				t.Fatalf("%s: %s = %d %q at %v, want %d %q at %v", st.name, st.method, status, body, time.Since(t0), st.wantStatus, st.wantBody, st.wantAt)
			}
		}
	})
}

func TestHeartbeatWebSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := suiteHeartbeat
		l, _ := fakeTimeEngine(t, &opts)
		conn, _ := testkit.DialWSWith(t, ws.Dialer{NetDial: l.DialContext}, "ws://x/engine.io/?EIO=4&transport=websocket")
		readText(t, conn) // open
		t0 := time.Now()
		if got := readText(t, conn); got != "2" || time.Since(t0) != 300*time.Millisecond {
			t.Fatalf("got %q at %v, want the ping at 300ms", got, time.Since(t0))
		}
		time.Sleep(50 * time.Millisecond) // fake time: the client answers 50ms later
		send(t, conn, "3")
		if got := readText(t, conn); got != "2" || time.Since(t0) != 650*time.Millisecond {
			t.Fatalf("got %q at %v, want the next ping at 650ms (pong + pingInterval)", got, time.Since(t0))
		}
		// No pong now: a close frame at ping + pingTimeout. Read as a bare
		// frame: answering it would race the server closing its end.
		f, err := testkit.ReadFrame(conn)
		if err != nil || f.Header.OpCode != ws.OpClose || time.Since(t0) != 850*time.Millisecond {
			t.Fatalf("after an unanswered ping: %+v, %v at %v; want a close frame at 850ms", f.Header, err, time.Since(t0))
		}
	})
}
