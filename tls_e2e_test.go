package actorio_test

import (
	"crypto/tls"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

const limitsE2EScript = "testdata/e2e/limits_client.js"

// The official client over https and wss, trusting only the test's own
// certificate: several WebSocket clients get a 1 MiB broadcast and echo a
// 300 kB message. A TLS connection is not a syscall.Conn, so the writer pool
// writes it with Write calls from a goroutine of its own: that path, end to
// end.
func TestTLSE2E(t *testing.T) {
	requireSIONode(t)
	for _, tr := range []string{"polling", "websocket"} {
		t.Run(tr, func(t *testing.T) {
			ctx := e2eContext(t, e2eTimeout)
			cert := testkit.SelfSignedCert(t)
			log := &syncBuffer{}
			srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
				Logger: zerolog.New(log).Level(zerolog.DebugLevel)}})
			const bigBytes = 1 << 20
			srv.OnConnection(func(s *actorio.Socket) {
				_ = s.On("join", func(ack actorio.Ack) { s.Join("all"); _ = ack() })
				_ = s.On("broadcast", func(ack actorio.Ack) {
					if err := srv.To("all").Emit("big", strings.Repeat("b", bigBytes)); err != nil {
						t.Errorf("Emit(big): %v", err)
					}
					_ = ack()
				})
				_ = s.On("echo", func(m string, ack actorio.Ack) { _ = ack(m) })
			})
			hs := httptest.NewUnstartedServer(srv)
			hs.TLS = &tls.Config{Certificates: []tls.Certificate{cert.Cert}, NextProtos: []string{"http/1.1"}}
			hs.StartTLS()
			t.Cleanup(func() {
				srv.Close()
				hs.Close()
				if t.Failed() {
					t.Logf("server log:\n%s", log.String())
				}
			})
			if !strings.HasPrefix(hs.URL, "https://") {
				t.Fatalf("server URL %q, want https", hs.URL)
			}

			const clients = 4
			var res struct {
				Transports []string
				Broadcast  []struct {
					Len int
					OK  bool
				}
				Echoes []struct {
					Len int
					OK  bool
				}
			}
			r, _ := runNode(t, ctx, limitsE2EScript, "limits_client.js tls "+tr, hs.URL, "tls", tr, cert.CertFile, "4")
			r.result(ctx, &res)
			if want := slices.Repeat([]string{tr}, clients); !slices.Equal(res.Transports, want) {
				t.Errorf("transports = %q, want %q", res.Transports, want)
			}
			if len(res.Broadcast) != clients || len(res.Echoes) != clients {
				t.Fatalf("got %d broadcasts and %d echoes, want %d each", len(res.Broadcast), len(res.Echoes), clients)
			}
			for i := range clients {
				if b := res.Broadcast[i]; b.Len != bigBytes || !b.OK {
					t.Errorf("client %d broadcast: %d bytes, intact=%v; want %d intact", i, b.Len, b.OK, bigBytes)
				}
				if e := res.Echoes[i]; e.Len != 300000 || !e.OK {
					t.Errorf("client %d echo: %d bytes, intact=%v; want 300000 intact", i, e.Len, e.OK)
				}
			}
			reg := prometheus.NewRegistry()
			reg.MustRegister(srv.Metrics())
			testkit.Eventually(t, "every session closed", func() bool { return openConnections(t, reg) == 0 })
		})
	}
}

// openConnections is the actorio_connections gauge, both transports.
func openConnections(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	return metric(t, reg, "actorio_connections", "transport", "polling") + metric(t, reg, "actorio_connections", "transport", "websocket")
}
