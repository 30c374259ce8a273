package actorio_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// httpDo sends one request and returns the status and body.
func httpDo(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res.StatusCode, string(body)
}

// TestConnectionError: every refused request reaches OnConnectionError
// with Node's code, message and context, and is counted by code.
func TestConnectionError(t *testing.T) {
	errs := make(chan actorio.ConnectionError, 1)
	opts := &actorio.Options{}
	opts.OnConnectionError = func(e actorio.ConnectionError) { errs <- e }
	opts.AllowRequest = func(r *http.Request) error {
		if r.URL.Query().Get("deny") != "" {
			return errors.New("go away")
		}
		return nil
	}
	srv, base := startServer(t, opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())

	tests := []struct {
		name, method, query string
		status              int
		code                int
		message             string
		context             map[string]any
	}{
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", 400, 1, "Session ID unknown", map[string]any{"sid": "nope"}},
		{"bad transport", "GET", "EIO=4&transport=carrier-pigeon", 400, 0, "Transport unknown", map[string]any{"transport": "carrier-pigeon"}},
		{"bad handshake method", "POST", "EIO=4&transport=polling", 400, 2, "Bad handshake method", map[string]any{"method": "POST"}},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 400, 3, "Bad request", map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"}},
		{"forbidden", "GET", "EIO=4&transport=polling&deny=1", 403, 4, "Forbidden", map[string]any{"message": "go away"}},
		{"protocol 3", "GET", "EIO=3&transport=polling", 400, 5, "Unsupported protocol version", map[string]any{"protocol": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := base + "/socket.io/?" + tt.query
			before := metric(t, reg, "actorio_connection_errors_total", "code", fmt.Sprint(tt.code))
			status, body := httpDo(t, tt.method, url)
			wantMessage := tt.message
			if m, ok := tt.context["message"].(string); ok {
				wantMessage = m // Node answers AllowRequest's message
			}
			if want := fmt.Sprintf(`{"code":%d,"message":%q}`, tt.code, wantMessage); status != tt.status || body != want {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.query, status, body, tt.status, want)
			}
			e := testkit.Recv(t, errs, "OnConnectionError")
			if e.Code != tt.code || e.Message != tt.message || !reflect.DeepEqual(e.Context, tt.context) {
				t.Errorf("OnConnectionError(%d, %q, %v), want (%d, %q, %v)", e.Code, e.Message, e.Context, tt.code, tt.message, tt.context)
			}
			if e.Request == nil || e.Request.URL.RawQuery != tt.query {
				t.Errorf("OnConnectionError's Request = %v, want the request of %s", e.Request, tt.query)
			}
			if got := metric(t, reg, "actorio_connection_errors_total", "code", fmt.Sprint(tt.code)); got != before+1 {
				t.Errorf("actorio_connection_errors_total{code=%q} = %v, want %v", fmt.Sprint(tt.code), got, before+1)
			}
		})
	}
}

// TestGenerateIDRefusals: an id GenerateID must not give refuses the
// handshake as Node refuses a failing generateId (400, code 3), with an
// error in the log; an error from GenerateID does the same.
func TestGenerateIDRefusals(t *testing.T) {
	type idOrErr struct {
		id  string
		err error
	}
	var next atomic.Pointer[idOrErr] // what GenerateID returns next
	errs := make(chan actorio.ConnectionError, 1)
	opts := actorio.Options{}
	opts.PingInterval, opts.PingTimeout = 60e9, 60e9
	opts.GenerateID = func(*http.Request) (string, error) {
		v := next.Load()
		return v.id, v.err
	}
	opts.OnConnectionError = func(e actorio.ConnectionError) { errs <- e }
	_, base, log := startConnServer(t, opts, nil)
	handshake := base + "/socket.io/?EIO=4&transport=polling"

	next.Store(&idOrErr{id: "taken-id"})
	if status, body := httpDo(t, "GET", handshake); status != 200 || !strings.Contains(body, `"sid":"taken-id"`) {
		t.Fatalf("handshake with GenerateID = taken-id: %d %s, want 200 and the open packet with that sid", status, body)
	}
	refused := errors.New("no ids today")
	tests := []struct {
		name    string
		next    idOrErr
		wantErr error
	}{
		{"already in use", idOrErr{id: "taken-id"}, transport.ErrSIDTaken},
		{"empty", idOrErr{id: ""}, transport.ErrSIDInvalid},
		{"not URL-safe", idOrErr{id: "a/b"}, transport.ErrSIDInvalid},
		{"space", idOrErr{id: "a b"}, transport.ErrSIDInvalid},
		{"too long", idOrErr{id: strings.Repeat("x", 257)}, transport.ErrSIDInvalid},
		{"GenerateID's error", idOrErr{err: refused}, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next.Store(&tt.next)
			logged := strings.Count(log.String(), "handshake refused: no usable session id")
			status, body := httpDo(t, "GET", handshake)
			if want := `{"code":3,"message":"Bad request"}`; status != 400 || body != want {
				t.Errorf("handshake = %d %s, want 400 %s", status, body, want)
			}
			e := testkit.Recv(t, errs, "OnConnectionError")
			err, _ := e.Context["error"].(error)
			if e.Code != 3 || e.Context["name"] != "ID_GENERATION_ERROR" || !errors.Is(err, tt.wantErr) {
				t.Errorf("OnConnectionError(%d, %v), want (3, name ID_GENERATION_ERROR, error %v)", e.Code, e.Context, tt.wantErr)
			}
			if n := strings.Count(log.String(), "handshake refused: no usable session id"); n != logged+1 {
				t.Errorf("server log has %d new lines for the refused id, want 1", n-logged)
			}
		})
	}
}

// TestConnectionErrorTransportMismatch: a polling request for a session on
// WebSocket is refused before it reaches the session, as Node's
// TRANSPORT_MISMATCH.
func TestConnectionErrorTransportMismatch(t *testing.T) {
	errs := make(chan actorio.ConnectionError, 1)
	opts := &actorio.Options{}
	opts.OnConnectionError = func(e actorio.ConnectionError) { errs <- e }
	_, base := startServer(t, opts)
	c := dialWS(t, wsURL(base, "/socket.io/?EIO=4&transport=websocket"))
	var open struct{ SID string }
	if text := readText(t, c); len(text) < 2 || json.Unmarshal([]byte(text[1:]), &open) != nil {
		t.Fatalf("open packet = %q", text)
	}
	// At once: the sid is known from the moment the open packet is out.
	query := "EIO=4&transport=polling&sid=" + open.SID
	status, body := httpDo(t, "GET", base+"/socket.io/?"+query)
	e := testkit.Recv(t, errs, "OnConnectionError")
	if want := `{"code":3,"message":"Bad request"}`; status != 400 || body != want {
		t.Errorf("GET %s = %d %s, want 400 %s", query, status, body, want)
	}
	want := map[string]any{"name": "TRANSPORT_MISMATCH", "transport": "polling", "previousTransport": "websocket"}
	if e.Code != 3 || !reflect.DeepEqual(e.Context, want) {
		t.Errorf("OnConnectionError(%d, %v), want (3, %v)", e.Code, e.Context, want)
	}
}
