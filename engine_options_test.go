package actorio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
)

// serve starts an Engine with opts and returns the server's base URL.
func serve(t *testing.T, opts *actorio.EngineOptions, h actorio.EngineHandler) string {
	t.Helper()
	if h == nil {
		h = echoHandler{}
	}
	engine := actorio.NewEngine(opts, h)
	srv := httptest.NewServer(engine)
	t.Cleanup(func() {
		engine.Close()
		srv.Close()
	})
	return srv.URL
}

func request(t *testing.T, method, url string, header http.Header, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPathAndTrailingSlash(t *testing.T) {
	tests := []struct {
		name   string
		opts   actorio.EngineOptions
		path   string
		wantOK bool
	}{
		{"default path", actorio.EngineOptions{}, "/engine.io/", true},
		{"default needs the slash", actorio.EngineOptions{}, "/engine.io", false},
		{"other path", actorio.EngineOptions{}, "/socket.io/", false},
		{"custom path", actorio.EngineOptions{Path: "/rt"}, "/rt/", true},
		{"custom path with slash given", actorio.EngineOptions{Path: "/rt/"}, "/rt/", true},
		{"no trailing slash accepts both", actorio.EngineOptions{Path: "/rt", NoTrailingSlash: true}, "/rt", true},
		{"no trailing slash, slash form", actorio.EngineOptions{Path: "/rt", NoTrailingSlash: true}, "/rt/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serve(t, &tt.opts, nil)
			status, body := do(t, "GET", base+tt.path+"?EIO=4&transport=polling", "")
			if got := status == 200 && strings.HasPrefix(body, "0{"); got != tt.wantOK {
				t.Errorf("GET %s = %d %q, want ok=%v", tt.path, status, body, tt.wantOK)
			}
			if !tt.wantOK && status != 404 {
				t.Errorf("GET %s = %d, want 404", tt.path, status)
			}
		})
	}
	if p := actorio.NewEngine(&actorio.EngineOptions{Path: "/x"}, echoHandler{}).Path(); p != "/x/" {
		t.Errorf("Path() = %q, want /x/", p)
	}
}

func TestCORS(t *testing.T) {
	hs := "/engine.io/?EIO=4&transport=polling"
	t.Run("no option, no headers", func(t *testing.T) {
		base := serve(t, nil, nil)
		resp := request(t, "GET", base+hs, http.Header{"Origin": {"https://a.example"}}, "")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("ACAO = %q without a CORS option", v)
		}
	})
	t.Run("listed origin", func(t *testing.T) {
		base := serve(t, &actorio.EngineOptions{CORS: &actorio.CORSOptions{Origins: []string{"https://a.example"}, Credentials: true, MaxAge: 600}}, nil)
		resp := request(t, "GET", base+hs, http.Header{"Origin": {"https://a.example"}}, "")
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://a.example" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("headers = %v", resp.Header)
		}
		resp = request(t, "GET", base+hs, http.Header{"Origin": {"https://evil.example"}}, "")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("unlisted origin got ACAO %q", v)
		}
		pre := request(t, "OPTIONS", base+hs, http.Header{"Origin": {"https://a.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}, "")
		if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Headers") != "content-type" ||
			!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") || pre.Header.Get("Access-Control-Max-Age") != "600" {
			t.Errorf("preflight = %d %v", pre.StatusCode, pre.Header)
		}
	})
	t.Run("any origin", func(t *testing.T) {
		base := serve(t, &actorio.EngineOptions{CORS: &actorio.CORSOptions{Origins: []string{"*"}}}, nil)
		resp := request(t, "GET", base+hs, http.Header{"Origin": {"https://b.example"}}, "")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "*" {
			t.Errorf("ACAO = %q, want *", v)
		}
	})
	t.Run("origin func", func(t *testing.T) {
		allow := func(o string) bool { return strings.HasSuffix(o, ".trusted") }
		base := serve(t, &actorio.EngineOptions{CORS: &actorio.CORSOptions{AllowOrigin: allow}}, nil)
		if v := request(t, "GET", base+hs, http.Header{"Origin": {"https://x.trusted"}}, "").Header.Get("Access-Control-Allow-Origin"); v != "https://x.trusted" {
			t.Errorf("ACAO = %q", v)
		}
		if v := request(t, "GET", base+hs, http.Header{"Origin": {"https://x.other"}}, "").Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("ACAO = %q for a refused origin", v)
		}
	})
}

func TestCookieAndHeaders(t *testing.T) {
	var headersCalls atomic.Int32
	base := serve(t, &actorio.EngineOptions{
		Cookie:         &actorio.CookieOptions{},
		InitialHeaders: func(h http.Header, _ *http.Request) { h.Set("X-Initial", "1") },
		Headers: func(h http.Header, _ *http.Request) {
			headersCalls.Add(1)
			h.Set("X-Every", "1")
		},
	}, nil)
	resp := request(t, "GET", base+"/engine.io/?EIO=4&transport=polling", nil, "")
	body, _ := io.ReadAll(resp.Body)
	sid := strings.Split(strings.Split(string(body), `"sid":"`)[1], `"`)[0]
	if got, want := resp.Header.Get("Set-Cookie"), "io="+sid+"; Path=/; HttpOnly; SameSite=Lax"; got != want {
		t.Errorf("Set-Cookie = %q, want %q", got, want)
	}
	if resp.Header.Get("X-Initial") != "1" || resp.Header.Get("X-Every") != "1" {
		t.Errorf("handshake headers = %v", resp.Header)
	}
	later := request(t, "POST", base+"/engine.io/?EIO=4&transport=polling&sid="+sid, nil, "4x")
	if later.Header.Get("X-Initial") != "" || later.Header.Get("X-Every") != "1" || later.Header.Get("Set-Cookie") != "" {
		t.Errorf("later headers = %v", later.Header)
	}

	// The WebSocket handshake carries the cookie and initial headers too.
	d := ws.Dialer{OnHeader: func(key, value []byte) error {
		if strings.EqualFold(string(key), "X-Initial") {
			headersCalls.Add(100)
		}
		return nil
	}}
	conn, _ := testkit.DialWSWith(t, d, wsURL(base, "/engine.io/?EIO=4&transport=websocket"))
	conn.Close()
	if headersCalls.Load() < 100 {
		t.Error("WebSocket handshake lacked the initial headers")
	}
}

func TestAllowRequest(t *testing.T) {
	base := serve(t, &actorio.EngineOptions{AllowRequest: func(r *http.Request) error {
		switch r.URL.Query().Get("token") {
		case "ok":
			return nil
		case "":
			return &actorio.RefusedError{Status: 401, Message: "token required"}
		}
		return errors.New("bad token")
	}}, nil)
	tests := []struct {
		token      string
		wantStatus int
		wantBody   string
	}{
		{"ok", 200, ""},
		{"", 401, `{"code":4,"message":"token required"}`},
		{"x", 403, `{"code":4,"message":"bad token"}`},
	}
	for _, tt := range tests {
		status, body := do(t, "GET", base+"/engine.io/?EIO=4&transport=polling&token="+tt.token, "")
		if status != tt.wantStatus || (tt.wantBody != "" && body != tt.wantBody) {
			t.Errorf("token %q: %d %s, want %d %s", tt.token, status, body, tt.wantStatus, tt.wantBody)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if conn, _, _, err := ws.Dial(ctx, wsURL(base, "/engine.io/?EIO=4&transport=websocket")); err == nil {
		conn.Close()
		t.Error("refused WebSocket handshake was accepted")
	}
}

func TestHTTPCompression(t *testing.T) {
	big := "4" + strings.Repeat("abc", 700)
	tests := []struct {
		name    string
		opts    actorio.EngineOptions
		msg     string
		accept  string
		wantEnc string
	}{
		{"gzip over threshold", actorio.EngineOptions{}, big, "gzip, deflate", "gzip"},
		{"deflate over threshold", actorio.EngineOptions{}, big, "deflate", "deflate"},
		{"refused by q=0", actorio.EngineOptions{}, big, "gzip;q=0", ""},
		{"under threshold", actorio.EngineOptions{}, "4small", "gzip", ""},
		{"disabled", actorio.EngineOptions{HTTPCompression: actorio.CompressionOptions{Disabled: true}}, big, "gzip", ""},
		{"custom threshold", actorio.EngineOptions{HTTPCompression: actorio.CompressionOptions{Threshold: 4}}, "4small", "gzip", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.PingInterval, opts.PingTimeout = 10*time.Second, 10*time.Second
			_, url := handshake(t, serve(t, &opts, nil)+"/engine.io/")
			do(t, "POST", url, tt.msg)
			resp := request(t, "GET", url, http.Header{"Accept-Encoding": {tt.accept}}, "")
			raw, _ := io.ReadAll(resp.Body)
			enc := resp.Header.Get("Content-Encoding")
			if enc != tt.wantEnc {
				t.Fatalf("Content-Encoding = %q, want %q", enc, tt.wantEnc)
			}
			var r io.Reader = bytes.NewReader(raw)
			switch enc {
			case "gzip":
				r, _ = gzip.NewReader(r)
			case "deflate":
				r, _ = zlib.NewReader(r)
			}
			if got, _ := io.ReadAll(r); string(got) != tt.msg {
				t.Errorf("body decodes to %.20q..., want the echo", got)
			}
		})
	}
}

func TestPerMessageDeflate(t *testing.T) {
	base := serve(t, &actorio.EngineOptions{PerMessageDeflate: &actorio.DeflateOptions{Threshold: 10}, PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second}, nil)
	offer := wsflate.Parameters{ClientNoContextTakeover: true, ServerNoContextTakeover: true}.Option()
	conn, hs := testkit.DialWSWith(t, ws.Dialer{Extensions: []httphead.Option{offer}}, wsURL(base, "/engine.io/?EIO=4&transport=websocket"))
	if len(hs.Extensions) != 1 || !strings.Contains(string(hs.Extensions[0].Name), "permessage-deflate") {
		t.Fatalf("negotiated extensions = %v", hs.Extensions)
	}
	readMessage := func() (string, bool) {
		t.Helper()
		h, err := ws.ReadHeader(conn)
		if err != nil || h.Length > 1<<20 {
			t.Fatalf("frame header %+v: %v", h, err)
		}
		f := ws.Frame{Header: h, Payload: make([]byte, h.Length)}
		if _, err := io.ReadFull(conn, f.Payload); err != nil {
			t.Fatal(err)
		}
		if f.Header.Masked {
			t.Fatal("server frame masked")
		}
		compressed := f.Header.Rsv1()
		if compressed {
			if f, err = wsflate.DecompressFrame(f); err != nil {
				t.Fatal(err)
			}
		}
		return string(f.Payload), compressed
	}
	if open, compressed := readMessage(); !strings.HasPrefix(open, "0{") || !compressed {
		t.Fatalf("open packet %q compressed=%v, want compressed (over the 10-byte threshold)", open, compressed)
	}
	msg := "4" + strings.Repeat("hello ", 50)
	f, err := wsflate.CompressFrame(ws.NewTextFrame([]byte(msg)))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteFrame(conn, ws.MaskFrameInPlace(f)); err != nil {
		t.Fatal(err)
	}
	if got, compressed := readMessage(); got != msg || !compressed {
		t.Errorf("echo of a compressed message = %.20q... compressed=%v", got, compressed)
	}
	_ = wsutil.WriteClientText(conn, []byte("4hi"))
	if got, compressed := readMessage(); got != "4hi" || compressed {
		t.Errorf("echo of a short message = %q compressed=%v, want plain", got, compressed)
	}
}

type hookCounter struct {
	echoHandler
	upgraded chan string
}

func (h hookCounter) OnUpgrade(s *actorio.EngineSession) { h.upgraded <- s.Transport() }

func TestPacketHooksAndUpgradeEvent(t *testing.T) {
	var in, out atomic.Int32
	h := hookCounter{upgraded: make(chan string, 1)}
	base := serve(t, &actorio.EngineOptions{
		PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second,
		PacketIn:  func(string, actorio.EnginePacket) { in.Add(1) },
		PacketOut: func(string, actorio.EnginePacket) { out.Add(1) },
	}, h)
	sid, url := handshake(t, base+"/engine.io/")
	do(t, "POST", url, "4a\x1e4b")
	do(t, "GET", url, "")
	if in.Load() != 2 || out.Load() != 3 { // open + two echoes
		t.Errorf("hooks saw %d in, %d out; want 2 in, 3 out", in.Load(), out.Load())
	}
	c := dialWS(t, wsURL(base, "/engine.io/?EIO=4&transport=websocket&sid="+sid))
	_ = wsutil.WriteClientText(c, []byte("2probe"))
	readText(t, c)
	_ = wsutil.WriteClientText(c, []byte("5"))
	select {
	case tr := <-h.upgraded:
		if tr != "websocket" {
			t.Errorf("OnUpgrade saw transport %q", tr)
		}
	case <-time.After(testkit.Timeout):
		t.Fatal("OnUpgrade not called")
	}
}
