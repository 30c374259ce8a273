package actorio_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/eio3"
	"github.com/gobwas/ws"
)

// Engine.IO v3 at the wire level (EngineOptions.AllowEIO3): the reversed
// heartbeat in fake time, the protocol check on every request, and the
// binary payloads of an XHR2 client.

// eio3Handshake opens a v3 polling session (query adds to EIO=3 and
// transport=polling) and returns its URL.
func eio3Handshake(t *testing.T, c *http.Client, base, query string) string {
	t.Helper()
	status, body := doWith(t, c, "GET", base+"?EIO=3&transport=polling"+query, "")
	length, open, ok := strings.Cut(body, ":")
	if status != 200 || !ok || !strings.HasPrefix(open, "0{") || length != itoa(len(open)) {
		t.Fatalf("v3 handshake = %d %q, want 200 <length>:0{...}", status, body)
	}
	var h struct{ SID string }
	if err := json.Unmarshal([]byte(open[1:]), &h); err != nil {
		t.Fatal(err)
	}
	return base + "?EIO=3&transport=polling" + query + "&sid=" + h.SID
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestEIO3HeartbeatPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := suiteHeartbeat // pingInterval 300ms, pingTimeout 200ms
		opts.AllowEIO3 = true
		_, c := fakeTimeEngine(t, &opts)
		url := eio3Handshake(t, c, "http://x/engine.io/", "&b64=1")
		t0 := time.Now()
		time.Sleep(100 * time.Millisecond) // fake time: the client pings at 100ms
		steps := []struct {
			name, method, body string
			wantStatus         int
			wantBody           string
			wantAt             time.Duration // since the handshake
		}{
			{"the client's ping", "POST", "1:2", 200, "ok", 100 * time.Millisecond},
			{"the server's pong", "GET", "", 200, "1:3", 100 * time.Millisecond},
			{"no server ping: GET gets the close at ping + pingInterval + pingTimeout", "GET", "", 200, "1:1", 600 * time.Millisecond},
			{"GET after the close", "GET", "", 400, "", 600 * time.Millisecond},
		}
		for _, st := range steps {
			status, body := doWith(t, c, st.method, url, st.body)
			if status != st.wantStatus || (st.wantBody != "" && body != st.wantBody) || time.Since(t0) != st.wantAt {
				t.Fatalf("%s: %s = %d %q at %v, want %d %q at %v", st.name, st.method, status, body, time.Since(t0), st.wantStatus, st.wantBody, st.wantAt)
			}
		}
	})
}

func TestEIO3HeartbeatWebSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := suiteHeartbeat
		opts.AllowEIO3 = true
		l, _ := fakeTimeEngine(t, &opts)
		conn, _ := testkit.DialWSWith(t, ws.Dialer{NetDial: l.DialContext}, "ws://x/engine.io/?EIO=3&transport=websocket")
		readText(t, conn) // open
		t0 := time.Now()
		time.Sleep(100 * time.Millisecond)
		send(t, conn, "2")
		if got := readText(t, conn); got != "3" || time.Since(t0) != 100*time.Millisecond {
			t.Fatalf("after the client's ping: %q at %v, want the pong 3 at once (100ms)", got, time.Since(t0))
		}
		// No ping from the client now: a close frame at its ping + pingInterval + pingTimeout.
		f, err := testkit.ReadFrame(conn)
		if err != nil || f.Header.OpCode != ws.OpClose || time.Since(t0) != 600*time.Millisecond {
			t.Fatalf("after no ping: %+v, %v at %v; want a close frame at 600ms", f.Header, err, time.Since(t0))
		}
	})
}

// A request must speak its session's protocol, as Node checks
// (PROTOCOL_MISMATCH); a v3 client's pong is an error, as in Node.
func TestEIO3ProtocolChecks(t *testing.T) {
	opts := quietHeartbeat
	opts.AllowEIO3 = true
	base := startEngine(t, &opts)
	v3 := eio3Handshake(t, client, base, "")
	_, v4 := handshake(t, base)
	for _, tt := range []struct{ name, url string }{
		{"v3 session, EIO=4", strings.Replace(v3, "EIO=3", "EIO=4", 1)},
		{"v4 session, EIO=3", strings.Replace(v4, "EIO=4", "EIO=3", 1)},
	} {
		status, body := do(t, "GET", tt.url, "")
		if want := `{"code":3,"message":"Bad request"}`; status != 400 || body != want {
			t.Errorf("%s: GET = %d %q, want 400 %q", tt.name, status, body, want)
		}
	}
	// The session is still there (its POST is answered), and a pong from
	// the v3 client ends it ("invalid heartbeat direction").
	if status, _ := do(t, "POST", v3, "1:3"); status != 200 {
		t.Fatalf("POST pong = %d, want 200", status)
	}
	eventually(t, "the v3 session ends after its client's pong", func() bool {
		status, body := do(t, "GET", v3, "")
		return status == 400 && body == `{"code":1,"message":"Session ID unknown"}`
	})
}

// An XHR2 client (no "b64") posts binary payloads and gets them, as
// application/octet-stream; a "b64" client gets base64 text.
func TestEIO3BinaryPayloads(t *testing.T) {
	opts := quietHeartbeat
	opts.AllowEIO3 = true
	base := startEngine(t, &opts)
	for _, tt := range []struct {
		name, query, wantType string
		want                  []byte
	}{
		{"xhr2", "", "application/octet-stream", []byte{1, 4, 0xff, 4, 1, 2, 3, 0, 3, 0xff, '4', 'h', 'i'}},
		{"b64", "&b64=1", "text/plain; charset=UTF-8", []byte("6:b4AQID3:4hi")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := eio3Handshake(t, client, base, tt.query)
			post, _, err := eio3.AppendPayload(nil, []eio.Packet{{Type: eio.Message, Data: []byte{1, 2, 3}, Binary: true}, {Type: eio.Message, Data: []byte("hi")}}, true)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", url, bytes.NewReader(post))
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("POST %q = %d, want 200", post, resp.StatusCode)
			}
			// The echoes come in one payload or two: collect both.
			var got []byte
			for len(got) < len(tt.want) {
				resp, err := client.Get(url)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.Header.Get("Content-Type") != tt.wantType {
					t.Fatalf("GET: Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.wantType)
				}
				got = append(got, b...)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("GET after echo = %q, want %q", got, tt.want)
			}
		})
	}
}

// JSONP: a GET's payload comes wrapped in the client's callback; a POST is
// a form; one over maxHttpBufferSize is refused whole (413), not cut.
func TestEIO3JSONP(t *testing.T) {
	opts := quietHeartbeat
	opts.AllowEIO3 = true
	opts.MaxHTTPBufferSize = 100
	base := startEngine(t, &opts)
	status, body := do(t, "GET", base+"?EIO=3&transport=polling&j=0", "")
	if status != 200 || !strings.HasPrefix(body, `___eio[0]("`) || !strings.HasSuffix(body, `");`) {
		t.Fatalf("JSONP handshake = %d %q, want 200 ___eio[0](\"...\");", status, body)
	}
	var payload string
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(body, "___eio[0]("), ");")), &payload); err != nil {
		t.Fatalf("JSONP handshake %q: %v", body, err)
	}
	var h struct{ SID string }
	if _, open, _ := strings.Cut(payload, ":"); json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &h) != nil {
		t.Fatalf("JSONP handshake payload %q", payload)
	}
	url := base + "?EIO=3&transport=polling&j=0&sid=" + h.SID
	post := func(form string) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The client escapes a newline as \n: "4a\nb" arrives as 4a<newline>b.
	if status := post(`d=4%3A4a%5Cnb`); status != 200 {
		t.Fatalf("JSONP POST = %d, want 200", status)
	}
	if status, body := do(t, "GET", url, ""); status != 200 || body != `___eio[0]("4:4a\nb");` {
		t.Errorf("JSONP GET after echo = %d %q, want 200 %q", status, body, `___eio[0]("4:4a\nb");`)
	}
	if status := post("d=" + strings.Repeat("x", 200)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("JSONP POST of 202 bytes = %d, want 413", status)
	}
}
