package actorio_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// These tests drive the real server on a loopback port at the wire level,
// one per behaviour the Engine.IO conformance suite checks
// (docs/conformance.md).

type echoHandler struct{}

func (echoHandler) OnOpen(*actorio.EngineSession)                             {}
func (echoHandler) OnMessage(s *actorio.EngineSession, data []byte, bin bool) { s.Send(data, bin) }
func (echoHandler) OnClose(*actorio.EngineSession, string)                    {}

// quietHeartbeat keeps the heartbeat out of tests that do not test it: a
// raw client that never answers pings, on a loaded machine, is not closed
// halfway. The heartbeat is tested in fake time (engine_synctest_test.go).
var quietHeartbeat = actorio.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute}

func startEngine(t *testing.T, opts *actorio.EngineOptions) string {
	t.Helper()
	if opts == nil {
		o := quietHeartbeat
		opts = &o
	}
	engine := actorio.NewEngine(opts, echoHandler{})
	srv := httptest.NewServer(engine)
	t.Cleanup(func() {
		engine.Close()
		srv.Close()
	})
	return srv.URL + "/engine.io/"
}

var client = &http.Client{Timeout: testkit.Timeout}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	return doWith(t, client, method, url, body)
}

// doWith is do through c (a fake-time test's client).
func doWith(t *testing.T, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// handshake opens a polling session and returns its sid and URL.
func handshake(t *testing.T, base string) (string, string) {
	t.Helper()
	return handshakeWith(t, client, base)
}

// handshakeWith is handshake through c (a fake-time test's client).
func handshakeWith(t *testing.T, c *http.Client, base string) (string, string) {
	t.Helper()
	status, body := doWith(t, c, "GET", base+"?EIO=4&transport=polling", "")
	if status != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake = %d %q", status, body)
	}
	var h struct{ SID string }
	if err := json.Unmarshal([]byte(body[1:]), &h); err != nil {
		t.Fatal(err)
	}
	return h.SID, base + "?EIO=4&transport=polling&sid=" + h.SID
}

// eventually checks f until it returns true: testkit.Eventually, which
// sleeps between checks and has a deadline.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	testkit.Eventually(t, what, f)
}

func TestPollingHandshake(t *testing.T) {
	// The official suites' heartbeat; only its values matter here.
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	status, body := do(t, "GET", base+"?EIO=4&transport=polling", "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	var h map[string]any
	if err := json.Unmarshal([]byte(body[1:]), &h); err != nil || body[0] != '0' {
		t.Fatalf("handshake body %q: %v", body, err)
	}
	if len(h) != 5 || len(h["sid"].(string)) != 20 || h["pingInterval"] != 300.0 || h["pingTimeout"] != 200.0 || h["maxPayload"] != 1e6 {
		t.Errorf("handshake = %v", h)
	}
	if ups := h["upgrades"].([]any); len(ups) != 1 || ups[0] != "websocket" {
		t.Errorf("upgrades = %v", ups)
	}
	want := `0{"sid":"` + h["sid"].(string) + `","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`
	if body != want {
		t.Errorf("handshake = %s, want %s (key order)", body, want)
	}
}

func TestHandshakeErrors(t *testing.T) {
	base := startEngine(t, nil)
	tests := []struct {
		name, method, query string
		wantCode            int
	}{
		{"EIO missing", "GET", "?transport=polling", 5},
		{"EIO abc", "GET", "?EIO=abc&transport=polling", 5},
		{"transport missing", "GET", "?EIO=4", 0},
		{"transport abc", "GET", "?EIO=4&transport=abc", 0},
		{"POST handshake", "POST", "?EIO=4&transport=polling", 2},
		{"PUT handshake", "PUT", "?EIO=4&transport=polling", 2},
		{"unknown sid", "GET", "?EIO=4&transport=polling&sid=nope", 1},
		{"websocket without upgrade header", "GET", "?EIO=4&transport=websocket", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, base+tt.query, "")
			var e struct {
				Code    int
				Message string
			}
			if status != 400 || json.Unmarshal([]byte(body), &e) != nil || e.Code != tt.wantCode || e.Message == "" {
				t.Errorf("%s %s = %d %s, want 400 with code %d", tt.method, tt.query, status, body, tt.wantCode)
			}
		})
	}
}

func TestPollingEcho(t *testing.T) {
	base := startEngine(t, nil)
	_, url := handshake(t, base)
	if status, body := do(t, "POST", url, "4test1\x1e4test2\x1e4test3"); status != 200 || body != "ok" {
		t.Fatalf("POST = %d %q", status, body)
	}
	if status, body := do(t, "GET", url, ""); status != 200 || body != "4test1\x1e4test2\x1e4test3" {
		t.Fatalf("GET = %d %q, want the three echoes in one payload", status, body)
	}
	if status, _ := do(t, "POST", url, "bAQIDBA=="); status != 200 {
		t.Fatal("binary POST refused")
	}
	if status, body := do(t, "GET", url, ""); status != 200 || body != "bAQIDBA==" {
		t.Fatalf("GET = %d %q, want bAQIDBA==", status, body)
	}
}

func TestInvalidPacketClosesSession(t *testing.T) {
	base := startEngine(t, nil)
	_, url := handshake(t, base)
	do(t, "POST", url, "abc")
	if status, body := do(t, "GET", url, ""); status != 400 {
		t.Errorf("GET after invalid packet = %d %q, want 400", status, body)
	}
}

func TestConcurrentGETsCloseSession(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	_, url := handshake(t, base)
	type result struct {
		status int
		body   string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest("GET", url, nil)
			resp, err := client.Do(req)
			if err != nil {
				results <- result{status: -1}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{resp.StatusCode, string(b)}
		}()
	}
	a, b := testkit.Recv(t, results, "the first GET"), testkit.Recv(t, results, "the second GET")
	if a.status != 200 {
		a, b = b, a
	}
	if a.status != 200 || a.body != "1" || b.status != 400 {
		t.Errorf("two GETs = %+v and %+v, want 200 \"1\" and 400", a, b)
	}
	if status, _ := do(t, "GET", url, ""); status != 400 {
		t.Errorf("GET after overlap = %d, want 400", status)
	}
}

func TestAbortedGETClosesSession(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	sid, url := handshake(t, base)
	host := strings.TrimPrefix(strings.SplitN(base, "/engine.io/", 2)[0], "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(conn, "GET /engine.io/?EIO=4&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.Close()
	eventually(t, "GET after abort answers 400", func() bool {
		status, _ := do(t, "GET", url, "")
		return status == 400
	})
}

func TestClientClosePolling(t *testing.T) {
	base := startEngine(t, nil)
	_, url := handshake(t, base)
	if status, _ := do(t, "POST", url, "1"); status != 200 {
		t.Fatal("close POST refused")
	}
	// The first GET may be the one the client had in flight, which the POST
	// overtook: it gets its noop. Any GET after it is refused.
	if status, body := do(t, "GET", url, ""); status != 200 || body != "6" {
		t.Errorf("first GET after client close = %d %q, want 200 6", status, body)
	}
	if status, _ := do(t, "GET", url, ""); status != 400 {
		t.Errorf("second GET after client close = %d, want 400", status)
	}
}

func TestPayloadLimit(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{MaxHTTPBufferSize: 100, PingInterval: 10 * time.Second, PingTimeout: time.Second})
	_, url := handshake(t, base)
	if status, body := do(t, "POST", url, "4"+strings.Repeat("x", 99)); status != 200 {
		t.Fatalf("POST at the limit = %d %s", status, body)
	}
	if status, _ := do(t, "POST", url, "4"+strings.Repeat("x", 100)); status != 413 {
		t.Fatalf("POST over the limit = %d, want 413", status)
	}
	if status, _ := do(t, "GET", url, ""); status != 400 {
		t.Errorf("GET after oversized POST = %d, want 400", status)
	}
}

func wsURL(base, query string) string { return "ws" + strings.TrimPrefix(base, "http") + query }

// dialWS opens a WebSocket whose every read has a deadline (testkit.DialWS).
func dialWS(t *testing.T, url string) net.Conn {
	t.Helper()
	return testkit.DialWS(t, url)
}

func readText(t *testing.T, c net.Conn) string {
	t.Helper()
	data, op, err := wsutil.ReadServerData(c)
	if err != nil || op != ws.OpText {
		t.Fatalf("read: %v (op %v)", err, op)
	}
	return string(data)
}

func TestWebSocketHandshakeAndEcho(t *testing.T) {
	base := startEngine(t, nil)
	c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket"))
	open := readText(t, c)
	if !strings.HasPrefix(open, `0{"sid":"`) || !strings.Contains(open, `"upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}`) {
		t.Fatalf("open = %s", open)
	}
	_ = wsutil.WriteClientText(c, []byte("4hello"))
	if got := readText(t, c); got != "4hello" {
		t.Errorf("echo = %q", got)
	}
	_ = wsutil.WriteClientBinary(c, []byte{1, 2, 3, 4})
	data, op, err := wsutil.ReadServerData(c)
	if err != nil || op != ws.OpBinary || string(data) != "\x01\x02\x03\x04" {
		t.Errorf("binary echo = %v %v %v", data, op, err)
	}
}

func TestWebSocketBadHandshakeRefused(t *testing.T) {
	base := startEngine(t, nil)
	for _, q := range []string{"?EIO=abc&transport=websocket", "?EIO=4&transport=abc", "?EIO=4&transport=websocket&sid=nope"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if conn, _, _, err := ws.Dial(ctx, wsURL(base, q)); err == nil {
			conn.Close()
			t.Errorf("WebSocket %s accepted", q)
		}
		cancel()
	}
}

func TestUpgrade(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	sid, url := handshake(t, base)
	c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket&sid="+sid))
	_ = wsutil.WriteClientText(c, []byte("2probe"))
	if got := readText(t, c); got != "3probe" {
		t.Fatalf("probe answer = %q", got)
	}
	if status, body := do(t, "GET", url, ""); status != 200 || body != "6" {
		t.Fatalf("GET while upgrading = %d %q, want noop", status, body)
	}
	_ = wsutil.WriteClientText(c, []byte("5"))
	_ = wsutil.WriteClientText(c, []byte("4hello"))
	if got := readText(t, c); got != "4hello" {
		t.Fatalf("echo after upgrade = %q", got)
	}
	if status, _ := do(t, "GET", url, ""); status != 400 {
		t.Errorf("GET after upgrade = %d, want 400", status)
	}
	second := dialWS(t, wsURL(base, "?EIO=4&transport=websocket&sid="+sid))
	if err := readUntilClosed(second); err != nil {
		t.Errorf("second WebSocket for the same sid was not closed: %v", err)
	}
}

func TestWebSocketMessageTooBig(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{MaxHTTPBufferSize: 100, PingInterval: 10 * time.Second, PingTimeout: time.Second})
	c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket"))
	readText(t, c)
	_ = wsutil.WriteClientText(c, []byte("4"+strings.Repeat("x", 200)))
	h, err := ws.ReadHeader(c)
	if err != nil || h.OpCode != ws.OpClose || h.Length > 125 {
		t.Fatalf("after an oversized message: %+v, %v; want a close frame", h, err)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c, payload); err != nil {
		t.Fatal(err)
	}
	if code, _ := ws.ParseCloseFrameData(payload); code != ws.StatusMessageTooBig {
		t.Errorf("close code = %d, want 1009", code)
	}
}

type closeRecorder struct {
	echoHandler
	reasons chan string
}

func (c closeRecorder) OnClose(_ *actorio.EngineSession, reason string) { c.reasons <- reason }

func TestCloseEndsEverySession(t *testing.T) {
	rec := closeRecorder{reasons: make(chan string, 2)}
	engine := actorio.NewEngine(&actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second}, rec)
	srv := httptest.NewServer(engine)
	defer srv.Close()
	base := srv.URL + "/engine.io/"
	_, url := handshake(t, base)
	c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket"))
	readText(t, c)

	engine.Close()
	for range 2 {
		select {
		case got := <-rec.reasons:
			if got != "server shutting down" {
				t.Errorf("close reason = %q, want server shutting down", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a session was not closed by Close")
		}
	}
	if status, _ := do(t, "GET", url, ""); status != 400 {
		t.Errorf("GET after Close = %d, want 400", status)
	}
	if err := readUntilClosed(c); err != nil {
		t.Errorf("WebSocket still open after Close: %v", err)
	}
	// A handshake that comes during or after the shutdown is refused, never
	// left as a session nobody will close.
	if status, body := do(t, "GET", base+"?EIO=4&transport=polling", ""); status != 403 || !strings.Contains(body, "shutting down") {
		t.Errorf("handshake after Close = %d %s, want 403 shutting down", status, body)
	}
}

// A bad probe WebSocket aborts only the upgrade: the session keeps polling.
func TestBadProbeKeepsPollingSession(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second, MaxHTTPBufferSize: 100})
	for _, bad := range []string{"abc", "4" + strings.Repeat("x", 200)} {
		sid, url := handshake(t, base)
		c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket&sid="+sid))
		_ = wsutil.WriteClientText(c, []byte(bad))
		if h, err := ws.ReadHeader(c); err != nil || h.OpCode != ws.OpClose {
			t.Fatalf("probe %.10q: %+v, %v; want a close frame", bad, h, err)
		}
		if status, body := do(t, "POST", url, "4still"); status != 200 || body != "ok" {
			t.Fatalf("POST after bad probe %.10q = %d %q", bad, status, body)
		}
		if status, body := do(t, "GET", url, ""); status != 200 || body != "4still" {
			t.Errorf("GET after bad probe %.10q = %d %q, want the echo", bad, status, body)
		}
	}
}
