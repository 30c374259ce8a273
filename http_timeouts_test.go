package actorio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// The HTTP side's timeouts, with the defaults, in fake time: an idle
// keep-alive connection, a trickled POST body and a poll response nobody
// reads are all cut, while a long poll that waits a whole ping interval
// is not, even under server-wide timeouts shorter than that.

// sendOnOpen queues a large message for every new session.
type sendOnOpen struct {
	echoHandler
	size int
}

func (h sendOnOpen) OnOpen(s *actorio.EngineSession) { s.Send(make([]byte, h.size), false) }

// fakeTimeServer serves an Engine over net.Pipe on an http.Server from
// NewHTTPServer, inside the calling synctest bubble; configure may change
// the server before it starts.
type fakeTimeServer struct {
	*testkit.PipeListener
	web    *http.Server
	engine *actorio.Engine
	closed chan net.Conn // connections the server closed
}

func startFakeTimeServer(t *testing.T, opts *actorio.EngineOptions, h actorio.EngineHandler, configure func(*http.Server)) *fakeTimeServer {
	srv := &fakeTimeServer{PipeListener: testkit.NewPipeListener(), closed: make(chan net.Conn, 8)}
	if h == nil {
		h = echoHandler{}
	}
	srv.engine = actorio.NewEngine(opts, h)
	srv.web = actorio.NewHTTPServer("", srv.engine)
	srv.web.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			srv.closed <- c
		}
	}
	if configure != nil {
		configure(srv.web)
	}
	go func() { _ = srv.web.Serve(srv.PipeListener) }()
	t.Cleanup(func() {
		_ = srv.web.Close()
		srv.engine.Close()
		// Dead letters of the shutdown are counted on a throttle ticker:
		// let fake time pass it, so the bubble ends with nothing waiting.
		time.Sleep(time.Minute)
	})
	return srv
}

// dial connects a client to the server.
func (srv *fakeTimeServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// roundTrip writes a request on c and reads the response head and body.
func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, method, target, body string) (*http.Response, string) {
	t.Helper()
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", method, target, len(body), body)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("write %s %s: %v", method, target, err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s body: %v", method, target, err)
	}
	return resp, string(b)
}

// pollingSession opens a polling session on its own connection and
// returns its request target.
func pollingSession(t *testing.T, srv *fakeTimeServer) string {
	t.Helper()
	c := srv.dial(t)
	t.Cleanup(func() { c.Close() })
	_, body := roundTrip(t, c, bufio.NewReader(c), "GET", "/engine.io/?EIO=4&transport=polling", "")
	var hs struct{ SID string }
	if i := strings.IndexByte(body, '{'); i < 0 || json.Unmarshal([]byte(body[i:strings.IndexByte(body, '}')+1]), &hs) != nil {
		t.Fatalf("handshake = %.80q", body)
	}
	return "/engine.io/?EIO=4&transport=polling&sid=" + hs.SID
}

var quiet = &actorio.EngineOptions{PingInterval: time.Hour, PingTimeout: time.Hour}

func TestHTTPServerDefaults(t *testing.T) {
	web := actorio.NewHTTPServer(":0", http.NotFoundHandler())
	if web.Addr != ":0" || web.ReadHeaderTimeout != 10*time.Second || web.IdleTimeout != 30*time.Second || web.ReadTimeout != 0 || web.WriteTimeout != 0 {
		t.Errorf("NewHTTPServer() timeouts: header %v, idle %v, read %v, write %v; want 10s, 30s, 0, 0",
			web.ReadHeaderTimeout, web.IdleTimeout, web.ReadTimeout, web.WriteTimeout)
	}
}

// An idle keep-alive connection is closed at IdleTimeout (30s).
func TestIdleConnectionClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := startFakeTimeServer(t, quiet, nil, nil)
		c := srv.dial(t)
		defer c.Close()
		br := bufio.NewReader(c)
		roundTrip(t, c, br, "GET", "/engine.io/?EIO=4&transport=polling", "")
		start := time.Now()
		_ = c.SetReadDeadline(start.Add(time.Hour))
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) || time.Since(start) != 30*time.Second {
			t.Errorf("idle keep-alive connection: read %v after %v, want EOF after 30s", err, time.Since(start))
		}
	})
}

// A POST body trickled at 1 byte per 2s is cut at HTTPBodyTimeout (10s):
// answered 400, its connection closed. So is one that net/http would
// discard after an early answer.
func TestTrickledPOSTCut(t *testing.T) {
	for _, to := range []string{"session", "unknown sid"} {
		t.Run(to, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := startFakeTimeServer(t, quiet, nil, nil)
				target := "/engine.io/?EIO=4&transport=polling&sid=unknown"
				if to == "session" {
					target = pollingSession(t, srv)
				}
				c := srv.dial(t)
				defer c.Close()
				const length = 1000
				if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", target, length); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				sent := make(chan int, 1)
				go func() { // one byte every 2s until the server stops taking them
					n := 0
					for ; n < length; n++ {
						if _, err := c.Write([]byte("4")); err != nil {
							break
						}
						time.Sleep(2 * time.Second)
					}
					sent <- n
				}()
				_ = c.SetReadDeadline(start.Add(time.Hour))
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("trickled POST to %s: %v after %v, want a 400", to, err, time.Since(start))
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != 400 {
					t.Errorf("trickled POST to %s answered %d, want 400", to, resp.StatusCode)
				}
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) || time.Since(start) != 10*time.Second {
					t.Errorf("trickled POST to %s: connection read %v after %v, want EOF after 10s", to, err, time.Since(start))
				}
				if n := <-sent; n >= length {
					t.Errorf("trickle to %s went on to the end (%d bytes), want it cut", to, n)
				}
			})
		})
	}
}

// A poll response the client never reads is abandoned at HTTPWriteTimeout
// (10s): the connection is closed and the payload released.
func TestUnreadPollResponseCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := startFakeTimeServer(t, quiet, sendOnOpen{size: 1 << 20}, nil)
		c := srv.dial(t)
		defer c.Close()
		if _, err := io.WriteString(c, "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		select {
		case <-srv.closed:
			if time.Since(start) != 10*time.Second {
				t.Errorf("unread poll response: connection closed after %v, want 10s", time.Since(start))
			}
		case <-time.After(time.Hour):
			t.Fatal("unread poll response: connection still open after an hour")
		}
	})
}

// A long poll waits its whole ping interval, and a WebSocket lives on,
// under server-wide ReadTimeout and WriteTimeout far shorter than that:
// the Engine's own deadlines replace them for its requests.
func TestServerTimeoutsDoNotCutLongPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := &actorio.EngineOptions{PingInterval: 20 * time.Second, PingTimeout: 10 * time.Second}
		srv := startFakeTimeServer(t, opts, nil, func(web *http.Server) {
			web.ReadTimeout, web.WriteTimeout = time.Second, time.Second
		})
		target := pollingSession(t, srv)
		c := srv.dial(t)
		defer c.Close()
		start := time.Now()
		resp, body := roundTrip(t, c, bufio.NewReader(c), "GET", target, "")
		if resp.StatusCode != 200 || body != "2" || time.Since(start) != 20*time.Second {
			t.Errorf("long poll = %d %q after %v, want 200 \"2\" (ping) after 20s", resp.StatusCode, body, time.Since(start))
		}

		wsc := srv.dial(t)
		defer wsc.Close()
		dialer := ws.Dialer{NetDial: func(context.Context, string, string) (net.Conn, error) { return wsc, nil }}
		_, br, _, err := dialer.Dial(context.Background(), "ws://x/engine.io/?EIO=4&transport=websocket")
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = wsc
		if br != nil {
			r = io.MultiReader(br, wsc)
		}
		rw := struct {
			io.Reader
			io.Writer
		}{r, wsc}
		for _, want := range []string{"0", "2"} { // open, then the ping 20s later
			data, _, err := wsutil.ReadServerData(rw)
			if err != nil || !strings.HasPrefix(string(data), want) {
				t.Fatalf("WebSocket after %v: %q, %v; want %q...", time.Since(start), data, err, want)
			}
		}
	})
}

// A WebSocket outlives the deadlines of the request that opened it (the
// Engine's write deadline, the server's ReadTimeout and WriteTimeout), over
// real TCP where the writer pool writes the socket without a Write call:
// the upgrader clears them when it takes the connection over.
func TestWebSocketOutlivesRequestDeadlines(t *testing.T) {
	engine := actorio.NewEngine(&actorio.EngineOptions{
		PingInterval: 300 * time.Millisecond, PingTimeout: time.Second, HTTPWriteTimeout: 50 * time.Millisecond,
	}, echoHandler{})
	srv := httptest.NewUnstartedServer(engine)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 100*time.Millisecond, 100*time.Millisecond
	srv.Start()
	t.Cleanup(func() {
		engine.Close()
		srv.Close()
	})
	c := dialWS(t, wsURL(srv.URL, "/engine.io/?EIO=4&transport=websocket"))
	readText(t, c)
	if got := readText(t, c); got != "2" {
		t.Errorf("WebSocket 300ms after its request: %q, want the ping", got)
	}
	_ = wsutil.WriteClientText(c, []byte("4still"))
	if got := readText(t, c); got != "4still" {
		t.Errorf("echo after the request's deadlines = %q, want 4still", got)
	}
}
