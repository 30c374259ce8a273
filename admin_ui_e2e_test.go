package actorio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"
)

const (
	adminScript   = "testdata/e2e/admin_client.js"
	adminUser     = "admin"
	adminPassword = "s3cret!"
	adminUIDir    = "node_modules/@socket.io/admin-ui/ui/dist"
)

// adminServer is an instrumented server on a loopback port: Socket.IO at
// /socket.io/, the stock UI at /admin/. Its "/" namespace puts each socket
// in room "lobby", then emits "joined"; on "hello" it sets the socket's
// data to {"greeted":true} and answers "welcome".
type adminServer struct {
	*sioServer
	ui *actorio.AdminUI
}

func startAdminServer(t *testing.T, opts actorio.AdminUIOptions) *adminServer {
	t.Helper()
	srv := &sioServer{log: &syncBuffer{}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", srv.log.String())
		}
	})
	srv.Server = actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
		Logger: zerolog.New(srv.log).Level(zerolog.DebugLevel).With().Timestamp().Logger()}})
	ui, err := actorio.Instrument(srv.Server, opts)
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("lobby")
		_ = s.On("hello", func() {
			s.SetData(map[string]any{"greeted": true})
			_ = s.Emit("welcome", "you")
		})
		_ = s.Emit("joined")
	})
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Server)
	mux.Handle(ui.UIPath(), ui)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ui.Close()
		srv.Close()
		hs.Close()
	})
	srv.url = hs.URL
	return &adminServer{sioServer: srv, ui: ui}
}

func adminHash(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// adminSocketJSON is a socket as the UI receives it.
type adminSocketJSON struct {
	ID        string
	ClientID  string
	Transport string
	Nsp       string
	Data      map[string]any
	Handshake map[string]any
	Rooms     []string
}

// The admin protocol, spoken by the official client as the stock UI
// speaks it: login refused and accepted, the greeting, the stats' shape,
// events both ways, an action, a disconnection from the admin side, and a
// login by session id.
func TestAdminUIProtocol(t *testing.T) {
	requireSIONode(t)
	ctx := e2eContext(t, e2eTimeout)
	srv := startAdminServer(t, actorio.AdminUIOptions{
		Auth:     &actorio.AdminUIAuth{Username: adminUser, PasswordHash: adminHash(t)},
		ServerID: "test-server", StatsInterval: 200 * time.Millisecond, UIDir: adminUIDir,
	})
	run, _ := runNode(t, ctx, adminScript, "admin protocol", "protocol", srv.url, adminUser, adminPassword)
	var res struct {
		WrongPassword, NoCredentials, SessionID string
		Config                                  struct{ SupportedFeatures []string }
		Sockets                                 []adminSocketJSON
		Stats                                   map[string]any
		ReceivedArgs, SentArgs                  []any
		ReceivedAt                              string
		UserReason, ServerReason                string
		NewSession                              bool
		DynSocket                               adminSocketJSON
		DynArgs                                 []any
		DataUpdate                              map[string]any
		Notice                                  []any
		Left                                    bool
		Upgrade                                 struct {
			ConnectedOn string
			Updated     map[string]any
		}
		UserID string
	}
	run.result(ctx, &res)

	for name, got := range map[string]string{"wrong password": res.WrongPassword, "no credentials": res.NoCredentials} {
		if got != "invalid credentials" {
			t.Errorf("connect_error with %s = %q, want %q", name, got, "invalid credentials")
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(res.SessionID) {
		t.Errorf("session id = %q, want 16 hex digits", res.SessionID)
	}
	wantFeatures := []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}
	if !slices.Equal(res.Config.SupportedFeatures, wantFeatures) {
		t.Errorf("config.supportedFeatures = %q, want %q", res.Config.SupportedFeatures, wantFeatures)
	}

	i := slices.IndexFunc(res.Sockets, func(s adminSocketJSON) bool { return s.ID == res.UserID })
	if i < 0 {
		t.Fatalf("all_sockets = %+v, want the user's socket %s", res.Sockets, res.UserID)
	}
	user := res.Sockets[i]
	if user.Nsp != "/" || user.Transport != "websocket" || len(user.ClientID) != 12 {
		t.Errorf("user socket nsp, transport, clientId = %q, %q, %q; want /, websocket, 12 characters", user.Nsp, user.Transport, user.ClientID)
	}
	if !slices.Contains(user.Rooms, user.ID) || !slices.Contains(user.Rooms, "lobby") {
		t.Errorf("user socket rooms = %q, want its own and lobby", user.Rooms)
	}
	for _, k := range []string{"address", "headers", "query", "issued", "secure", "time", "url", "xdomain"} {
		if _, ok := user.Handshake[k]; !ok {
			t.Errorf("user socket handshake has no %q: %v", k, user.Handshake)
		}
	}
	if _, ok := user.Handshake["auth"]; ok {
		t.Errorf("user socket handshake carries auth, which Node keeps from the UI: %v", user.Handshake)
	}
	if h, _ := user.Handshake["headers"].(map[string]any); h["host"] == nil {
		t.Errorf("user socket handshake headers = %v, want host", h)
	}

	checkAdminStats(t, res.Stats)

	wantReceived := []any{"hello", map[string]any{"text": "hi"}, 42.0}
	if got, want := mustJSON(t, res.ReceivedArgs), mustJSON(t, wantReceived); got != want {
		t.Errorf("event_received args = %s, want %s", got, want)
	}
	if _, err := time.Parse(time.RFC3339, res.ReceivedAt); err != nil {
		t.Errorf("event_received timestamp %q: %v, want an ISO date", res.ReceivedAt, err)
	}
	if got, want := mustJSON(t, res.SentArgs), `["welcome","you"]`; got != want {
		t.Errorf("event_sent args = %s, want %s", got, want)
	}
	if res.UserReason != "io server disconnect" || res.ServerReason != "server namespace disconnect" {
		t.Errorf("disconnect from the admin: client reason %q, socket_disconnected reason %q; want %q, %q",
			res.UserReason, res.ServerReason, "io server disconnect", "server namespace disconnect")
	}
	if res.DynSocket.Nsp != "/dyn-1" || len(res.DynSocket.ClientID) != 12 || res.DynSocket.ClientID != user.ClientID {
		t.Errorf("socket_connected of the dynamic namespace = %+v, want nsp /dyn-1 and the user's client id %q", res.DynSocket, user.ClientID)
	}
	if got := mustJSON(t, res.DynArgs); got != `["ping-dyn"]` {
		t.Errorf("event_received args from /dyn-1 = %s, want %s", got, `["ping-dyn"]`)
	}
	if got, want := mustJSON(t, res.DataUpdate), fmt.Sprintf(`{"data":{"greeted":true},"id":%q,"nsp":"/"}`, res.UserID); got != want {
		t.Errorf("socket_updated after SetData = %s, want %s", got, want)
	}
	if got := mustJSON(t, res.Notice); got != `["from admin",7]` {
		t.Errorf("the user got the admin's emit with %s, want %s", got, `["from admin",7]`)
	}
	if !res.Left {
		t.Error("no room_left after the admin's leave")
	}
	switch u := res.Upgrade; {
	case u.ConnectedOn == "polling" && (u.Updated["transport"] != "websocket" || u.Updated["id"] == nil):
		t.Errorf("socket_updated after the upgrade = %v, want the socket's id and transport websocket", u.Updated)
	case u.ConnectedOn != "polling" && u.ConnectedOn != "websocket":
		t.Errorf("socket_connected transport = %q, want polling or websocket", u.ConnectedOn)
	default:
		t.Logf("the upgrading client's socket connected on %s", u.ConnectedOn)
	}
	if res.NewSession {
		t.Error("a login by session id started a new session")
	}
	srv.checkNoPanic(t)
}

// checkAdminStats checks one server_stats against Node's shape.
func checkAdminStats(t *testing.T, stats map[string]any) {
	t.Helper()
	host, _ := os.Hostname()
	want := map[string]any{"serverId": "test-server", "hostname": host, "pid": float64(os.Getpid())}
	for k, v := range want {
		if stats[k] != v {
			t.Errorf("server_stats.%s = %v, want %v", k, stats[k], v)
		}
	}
	for _, k := range []string{"uptime", "clientsCount", "pollingClientsCount"} {
		if _, ok := stats[k].(float64); !ok {
			t.Errorf("server_stats.%s = %v, want a number", k, stats[k])
		}
	}
	if n, _ := stats["clientsCount"].(float64); n < 2 {
		t.Errorf("server_stats.clientsCount = %v, want at least 2 (the user and the admin)", n)
	}
	if _, ok := stats["aggregatedEvents"].([]any); !ok {
		t.Errorf("server_stats.aggregatedEvents = %v, want an array", stats["aggregatedEvents"])
	}
	counts := map[string]float64{}
	nsps, _ := stats["namespaces"].([]any)
	for _, n := range nsps {
		m, _ := n.(map[string]any)
		name, _ := m["name"].(string)
		counts[name], _ = m["socketsCount"].(float64)
	}
	if counts["/"] != 1 || counts["/admin"] < 1 {
		t.Errorf("server_stats.namespaces = %v, want / with 1 socket and /admin with at least 1", nsps)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Instrument refuses options that would let everyone in by mistake or
// could never let anyone in.
func TestInstrumentOptions(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      actorio.AdminUIOptions
		wantErr string
	}{
		{"no auth given", actorio.AdminUIOptions{}, "set Auth, or NoAuth"},
		{"both", actorio.AdminUIOptions{NoAuth: true, Auth: &actorio.AdminUIAuth{Username: "a", PasswordHash: string(hash)}}, "both set"},
		{"plain password", actorio.AdminUIOptions{Auth: &actorio.AdminUIAuth{Username: "a", PasswordHash: "pw"}}, "valid bcrypt hash"},
		{"unknown mode", actorio.AdminUIOptions{NoAuth: true, Mode: "debug"}, `mode "debug"`},
		{"no auth, explicitly", actorio.AdminUIOptions{NoAuth: true}, ""},
		{"basic", actorio.AdminUIOptions{Auth: &actorio.AdminUIAuth{Username: "a", PasswordHash: string(hash)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := actorio.NewServer(nil)
			defer srv.Close()
			ui, err := actorio.Instrument(srv, tt.in)
			if ui != nil {
				defer ui.Close()
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Instrument(%+v) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// The stock UI's files, with the content types a browser needs to run
// them; nothing outside ui/dist and no directory listing.
func TestAdminUIStaticFiles(t *testing.T) {
	srv := startAdminServer(t, actorio.AdminUIOptions{NoAuth: true, UIDir: adminUIDir})
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
	}{
		{"/admin/", 200, "text/html; charset=utf-8"},
		{"/admin/favicon.png", 200, "image/png"},
		{"/admin/js/app.0d7d7845.js", 200, "text/javascript; charset=utf-8"},
		{"/admin/css/app.6e3b9661.css", 200, "text/css; charset=utf-8"},
		{"/admin/img/logo-light.73342c25.svg", 200, "image/svg+xml"},
		{"/admin/js/", 404, ""},
		{"/admin/../package.json", 404, ""},
		{"/admin/%2e%2e/%2e%2e/package.json", 404, ""},
		{"/admin/missing.js", 404, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.url + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
		}
	}
}

// Production mode, read-only (Node's mode "production" and readonly): the
// UI gets the stats with their aggregated counts and nothing per socket;
// no action is offered.
func TestAdminUIProductionMode(t *testing.T) {
	requireSIONode(t)
	ctx := e2eContext(t, e2eTimeout)
	srv := startAdminServer(t, actorio.AdminUIOptions{NoAuth: true, Mode: actorio.AdminUIProduction, ReadOnly: true,
		ServerID: "test-server", StatsInterval: 100 * time.Millisecond})
	run, _ := runNode(t, ctx, adminScript, "admin production", "production", srv.url)
	var res struct {
		Config     struct{ SupportedFeatures []string }
		Told       []string
		Stats      map[string]any
		Aggregated map[string]float64
	}
	run.result(ctx, &res)
	if want := []string{"AGGREGATED_EVENTS"}; !slices.Equal(res.Config.SupportedFeatures, want) {
		t.Errorf("config.supportedFeatures = %q, want %q", res.Config.SupportedFeatures, want)
	}
	if len(res.Told) > 0 {
		t.Errorf("production mode told the UI %q, want stats only", res.Told)
	}
	checkAdminStats(t, res.Stats)
	for _, typ := range []string{"rawConnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"} {
		if res.Aggregated[typ] < 1 {
			t.Errorf("aggregatedEvents summed = %v, want some %s", res.Aggregated, typ)
		}
	}
}
