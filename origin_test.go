package actorio_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// The allowed origins apply to WebSocket requests: CORS does not protect
// them, so without this check a foreign page opens a WebSocket with the
// visitor's cookies (cross-site WebSocket hijacking).
func TestWebSocketOriginCheck(t *testing.T) {
	app := []string{"https://app.example"}
	tests := []struct {
		name    string
		cors    *actorio.CORSOptions
		origin  string
		upgrade bool // the upgrade of a polling session, rather than a handshake
		want    int
	}{
		{name: "allowed origin", cors: &actorio.CORSOptions{Origins: app}, origin: "https://app.example", want: http.StatusSwitchingProtocols},
		{name: "foreign origin", cors: &actorio.CORSOptions{Origins: app}, origin: "https://evil.example", want: http.StatusForbidden},
		{name: "foreign origin, upgrade", cors: &actorio.CORSOptions{Origins: app}, origin: "https://evil.example", upgrade: true, want: http.StatusForbidden},
		{name: "allowed origin, upgrade", cors: &actorio.CORSOptions{Origins: app}, origin: "https://app.example", upgrade: true, want: http.StatusSwitchingProtocols},
		{name: "no origin: not a browser", cors: &actorio.CORSOptions{Origins: app}, want: http.StatusSwitchingProtocols},
		{name: "check off", cors: &actorio.CORSOptions{Origins: app, AnyWebSocketOrigin: true}, origin: "https://evil.example", want: http.StatusSwitchingProtocols},
		{name: "AllowOrigin func refuses", cors: &actorio.CORSOptions{AllowOrigin: func(o string) bool { return o == "https://app.example" }}, origin: "https://evil.example", want: http.StatusForbidden},
		{name: "any origin", cors: &actorio.CORSOptions{Origins: []string{"*"}}, origin: "https://evil.example", want: http.StatusSwitchingProtocols},
		{name: "no CORS, as Node", origin: "https://evil.example", want: http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &syncBuffer{}
			srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{CORS: tt.cors, Logger: zerolog.New(log)}})
			reg := prometheus.NewRegistry()
			reg.MustRegister(srv.Metrics())
			hs := httptest.NewServer(srv)
			t.Cleanup(func() {
				srv.Close()
				hs.Close()
			})
			query := "/socket.io/?EIO=4&transport=websocket"
			if tt.upgrade {
				query += "&sid=" + pollingHandshake(t, hs.URL)
			}
			status, body := rawUpgrade(t, hs.URL, query, tt.origin)
			if status != tt.want {
				t.Fatalf("upgrade with Origin %q = %d %q, want %d", tt.origin, status, body, tt.want)
			}
			refused := metric(t, reg, "actorio_connections_refused_total", "reason", "origin")
			if tt.want != http.StatusForbidden {
				if refused != 0 {
					t.Errorf("actorio_connections_refused_total{reason=origin} = %v, want 0", refused)
				}
				return
			}
			if want := `{"code":4,"message":"Origin not allowed"}`; body != want {
				t.Errorf("403 body = %q, want %q", body, want)
			}
			if refused != 1 {
				t.Errorf("actorio_connections_refused_total{reason=origin} = %v, want 1", refused)
			}
			if l := log.String(); !strings.Contains(l, `"message":"connection refused"`) || !strings.Contains(l, `"origin":"https://evil.example"`) {
				t.Errorf("log = %q, want a connection refused line with the origin", l)
			}
		})
	}
}

// rawUpgrade sends a WebSocket upgrade request with origin (none when
// empty) and returns the response's status and body.
func rawUpgrade(t *testing.T, base, query, origin string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), testkit.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(testkit.Timeout))
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", query)
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, ""
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pollingHandshake opens a polling session and returns its sid.
func pollingHandshake(t *testing.T, base string) string {
	t.Helper()
	status, body, _ := pollingGet(t, base, "")
	var sid string
	if i := strings.Index(body, `"sid":"`); status == http.StatusOK && i >= 0 {
		sid, _, _ = strings.Cut(body[i+len(`"sid":"`):], `"`)
	}
	if sid == "" {
		t.Fatalf("polling handshake = %d %q, want an open packet", status, body)
	}
	return sid
}

// pollingGet sends a polling handshake, with X-Forwarded-For xff unless
// empty, and returns the answer.
func pollingGet(t *testing.T, base, xff string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		t.Fatal(err)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := (&http.Client{Timeout: testkit.Timeout}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
