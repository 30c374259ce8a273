package actorio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// The connection limits, end to end: the official client is refused at the
// handshake with the status and Engine.IO error body the limit says, and
// nothing is created for it.

// limitServer is a Socket.IO server on loopback with its metrics and log.
type limitServer struct {
	*actorio.Server
	url string
	reg *prometheus.Registry
	log *syncBuffer
}

func startLimitServer(t *testing.T, opts actorio.Options) *limitServer {
	t.Helper()
	s := &limitServer{log: &syncBuffer{}, reg: prometheus.NewRegistry()}
	opts.Logger = zerolog.New(s.log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	if opts.PingInterval == 0 {
		opts.PingInterval, opts.PingTimeout = 10*time.Second, 10*time.Second
	}
	s.Server = actorio.NewServer(&opts)
	s.reg.MustRegister(s.Metrics())
	hs := httptest.NewUnstartedServer(s.Server)
	hs.Listener = smallBufferListener{hs.Listener}
	hs.Start()
	t.Cleanup(func() {
		s.Close()
		hs.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.url = hs.URL
	return s
}

func (s *limitServer) refused(t *testing.T, reason string) float64 {
	t.Helper()
	return metric(t, s.reg, "actorio_connections_refused_total", "reason", reason)
}

// attempt is one connection attempt as limits_client.js reports it.
type attempt struct {
	OK          bool
	Message     string
	Description string
	Body        string
}

func TestConnLimitsE2E(t *testing.T) {
	requireSIONode(t)
	tests := []struct {
		name       string
		limits     actorio.ConnLimits
		n          int
		mode       string // hold: every connection stays open; cycle: each closes before the next
		wantOK     int
		wantStatus int
		wantMsg    string
		reason     string
	}{
		{name: "rate", limits: actorio.ConnLimits{Rate: actorio.RateLimit{Count: 3, Interval: time.Minute}}, n: 5, mode: "cycle",
			wantOK: 3, wantStatus: 429, wantMsg: "Too many connection attempts from this address, retry later", reason: "rate"},
		{name: "per address", limits: actorio.ConnLimits{PerAddress: 2}, n: 4, mode: "hold",
			wantOK: 2, wantStatus: 429, wantMsg: "Too many connections from this address", reason: "per_address"},
		{name: "total", limits: actorio.ConnLimits{Total: 2}, n: 4, mode: "hold",
			wantOK: 2, wantStatus: 503, wantMsg: "Server full, retry later", reason: "total"},
	}
	for _, tt := range tests {
		for _, tr := range []string{"polling", "websocket"} {
			t.Run(tt.name+"/"+tr, func(t *testing.T) {
				ctx := e2eContext(t, e2eTimeout)
				srv := startLimitServer(t, actorio.Options{EngineOptions: actorio.EngineOptions{Limits: tt.limits}})
				var res struct{ Results []attempt }
				r, _ := runNode(t, ctx, limitsE2EScript, "limits_client.js conns "+tr, srv.url, "conns", tr, fmt.Sprint(tt.n), tt.mode)
				r.result(ctx, &res)
				checkAttempts(t, res.Results, tt.wantOK, tt.n, tt.wantStatus, tt.wantMsg, tr)
				if got := srv.refused(t, tt.reason); got != float64(tt.n-tt.wantOK) {
					t.Errorf("actorio_connections_refused_total{reason=%q} = %v, want %d", tt.reason, got, tt.n-tt.wantOK)
				}
				if got := metric(t, srv.reg, "actorio_connections_opened_total"); got != float64(tt.wantOK) {
					t.Errorf("actorio_connections_opened_total = %v, want %d: a refused handshake opens no session", got, tt.wantOK)
				}
				if !strings.Contains(srv.log.String(), `"message":"connection refused"`) {
					t.Errorf("no connection refused line in the log")
				}
				if tt.mode != "hold" {
					return
				}
				// Closed connections give their slots back.
				testkit.Eventually(t, "every session closed", func() bool { return openConnections(t, srv.reg) == 0 })
				r, _ = runNode(t, ctx, limitsE2EScript, "limits_client.js conns "+tr+" again", srv.url, "conns", tr, fmt.Sprint(tt.wantOK), "hold")
				r.result(ctx, &res)
				checkAttempts(t, res.Results, tt.wantOK, tt.wantOK, 0, "", tr)
			})
		}
	}
}

// checkAttempts checks that the first wantOK attempts connected and the
// others were refused with status and msg, as the client can see them.
func checkAttempts(t *testing.T, got []attempt, wantOK, n, status int, msg, transport string) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d attempts reported, want %d", len(got), n)
	}
	for i, a := range got {
		if i < wantOK {
			if !a.OK {
				t.Errorf("attempt %d = %+v, want connected", i, a)
			}
			continue
		}
		wantBody := fmt.Sprintf(`{"code":4,"message":%q}`, msg)
		switch {
		case a.OK:
			t.Errorf("attempt %d connected, want refused with %d", i, status)
		case transport == "polling" && (a.Description != fmt.Sprint(status) || a.Body != wantBody):
			t.Errorf("attempt %d = %+v, want status %d and body %s", i, a, status, wantBody)
		case transport == "websocket" && !strings.Contains(a.Description, fmt.Sprint(status)):
			t.Errorf("attempt %d = %+v, want status %d in the description", i, a, status)
		}
	}
}

// X-Forwarded-For is believed from trusted proxies only, and then names the
// client: one client at its cap does not hold back another behind the same
// proxy. IPv6 clients count per /64.
func TestConnLimitsClientAddress(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		xffs    []string // one held polling handshake each, in order
		want    []int
	}{
		{name: "trusted proxy: one client per address", trusted: loopback,
			xffs: []string{"203.0.113.7", "203.0.113.7", "203.0.113.8", "", "198.51.100.1, 203.0.113.7"},
			want: []int{200, 429, 200, 200, 429}},
		{name: "the client's own hops are not believed", trusted: loopback,
			xffs: []string{"203.0.113.7, 203.0.113.9", "203.0.113.8, 203.0.113.9"},
			want: []int{200, 429}},
		{name: "untrusted peer: its X-Forwarded-For is ignored", trusted: nil,
			xffs: []string{"203.0.113.7", "203.0.113.8"},
			want: []int{200, 429}},
		{name: "IPv6 per /64", trusted: loopback,
			xffs: []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:3::1"},
			want: []int{200, 429, 200}},
		{name: "garbage stops at the proxy", trusted: loopback,
			xffs: []string{"not-an-ip", "also garbage"},
			want: []int{200, 429}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startLimitServer(t, actorio.Options{EngineOptions: actorio.EngineOptions{
				Limits: actorio.ConnLimits{PerAddress: 1, TrustedProxies: tt.trusted}}})
			for i, xff := range tt.xffs {
				if status, body, _ := pollingGet(t, srv.url, xff); status != tt.want[i] {
					t.Errorf("handshake %d with X-Forwarded-For %q = %d %q, want %d", i, xff, status, body, tt.want[i])
				}
			}
		})
	}
}

// The event limit, with the official client: over it an event is refused
// (its ack answers the error, the socket's error listeners get it) or the
// socket is disconnected, as EventLimit.Action says.
func TestEventLimitE2E(t *testing.T) {
	requireSIONode(t)
	const limit, sent = 5, 8
	for _, action := range []actorio.EventLimitAction{actorio.EventLimitRefuse, actorio.EventLimitDisconnect} {
		for _, tr := range []string{"polling", "websocket"} {
			name := map[actorio.EventLimitAction]string{actorio.EventLimitRefuse: "refuse", actorio.EventLimitDisconnect: "disconnect"}[action]
			t.Run(name+"/"+tr, func(t *testing.T) {
				ctx := e2eContext(t, e2eTimeout)
				srv := startLimitServer(t, actorio.Options{EventLimit: actorio.EventLimit{
					Rate: actorio.RateLimit{Count: limit, Interval: time.Minute}, Action: action}})
				var handled atomic.Int64
				errs := make(chan error, sent)
				reasons := make(chan string, 1)
				srv.OnConnection(func(s *actorio.Socket) {
					_ = s.On("echo", func(i int, ack actorio.Ack) {
						handled.Add(1)
						_ = ack(i)
					})
					s.OnError(func(err error) { errs <- err })
					s.OnDisconnect(func(reason string) { reasons <- reason })
				})
				if action == actorio.EventLimitRefuse {
					testEventLimitRefuse(t, ctx, srv, tr, errs)
				} else {
					var res struct{ Reason string }
					r, _ := runNode(t, ctx, limitsE2EScript, "limits_client.js events "+tr, srv.url, "events", tr, fmt.Sprint(sent), "noack")
					r.result(ctx, &res)
					if res.Reason != "io server disconnect" {
						t.Errorf("client's disconnect reason = %q, want %q", res.Reason, "io server disconnect")
					}
					if got := sioRecv(t, ctx, reasons, "the server's disconnect"); got != actorio.DisconnectEventRateLimit {
						t.Errorf("server's disconnect reason = %q, want %q", got, actorio.DisconnectEventRateLimit)
					}
					if got := metric(t, srv.reg, "actorio_events_rate_limited_total", "action", "disconnected"); got != 1 {
						t.Errorf("actorio_events_rate_limited_total{action=disconnected} = %v, want 1", got)
					}
				}
				if got := handled.Load(); got != limit {
					t.Errorf("handler ran %d times, want %d (the limit)", got, limit)
				}
			})
		}
	}
}

func testEventLimitRefuse(t *testing.T, ctx context.Context, srv *limitServer, tr string, errs <-chan error) {
	t.Helper()
	const limit, sent = 5, 8
	var res struct {
		Acks   []json.RawMessage
		Reason string
	}
	r, _ := runNode(t, ctx, limitsE2EScript, "limits_client.js events "+tr, srv.url, "events", tr, fmt.Sprint(sent), "ack")
	r.result(ctx, &res)
	if len(res.Acks) != sent {
		t.Fatalf("%d acks, want %d", len(res.Acks), sent)
	}
	for i, a := range res.Acks {
		var refused struct {
			Error        string
			RetryAfterMs int64
		}
		switch {
		case i < limit && string(a) != fmt.Sprint(i):
			t.Errorf("ack %d = %s, want %d (the echo)", i, a, i)
		case i >= limit && (json.Unmarshal(a, &refused) != nil || refused.Error != "event rate limit exceeded" || refused.RetryAfterMs <= 0):
			t.Errorf(`ack %d = %s, want {"error":"event rate limit exceeded","retryAfterMs":N>0}`, i, a)
		}
	}
	for range sent - limit {
		err := sioRecv(t, ctx, errs, "an error listener call")
		if le := (*actorio.EventRateLimitError)(nil); !errors.As(err, &le) || le.Event != "echo" || le.RetryAfter <= 0 {
			t.Errorf("error listener got %v, want an *EventRateLimitError for echo", err)
		}
	}
	if res.Reason != "io client disconnect" {
		t.Errorf("client's disconnect reason = %q, want %q: refusing does not disconnect", res.Reason, "io client disconnect")
	}
	if got := metric(t, srv.reg, "actorio_events_rate_limited_total", "action", "refused"); got != sent-limit {
		t.Errorf("actorio_events_rate_limited_total{action=refused} = %v, want %d", got, sent-limit)
	}
}
