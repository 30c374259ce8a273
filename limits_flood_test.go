package actorio_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws/wsutil"
)

// Raw floods on loopback, bounded in count and time: the limits refuse the
// flood, cost bounded memory, and the other clients keep their round trips.

var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// handshakeFlood sends n polling handshakes from `workers` goroutines, the
// i-th with X-Forwarded-For xff(i), and tallies the answers by status. It
// stops early at the flood deadline.
type floodTally struct {
	mu       sync.Mutex
	statuses map[int]int
	bodies   map[string]int
	noRetry  int // 429s and 503s without Retry-After
	took     time.Duration
}

const floodDeadline = 20 * time.Second

func handshakeFlood(t *testing.T, base string, n, workers int, xff func(i int) string) *floodTally {
	t.Helper()
	tally := &floodTally{statuses: map[int]int{}, bodies: map[string]int{}}
	client := &http.Client{Timeout: testkit.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && time.Since(start) < floodDeadline; i = int(next.Add(1)) - 1 {
				req, _ := http.NewRequest(http.MethodGet, base+"/socket.io/?EIO=4&transport=polling", nil)
				req.Header.Set("X-Forwarded-For", xff(i))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				var body bytes.Buffer
				_, _ = body.ReadFrom(resp.Body)
				resp.Body.Close()
				tally.mu.Lock()
				tally.statuses[resp.StatusCode]++
				if resp.StatusCode != http.StatusOK {
					tally.bodies[body.String()]++
					if resp.Header.Get("Retry-After") == "" {
						tally.noRetry++
					}
				}
				tally.mu.Unlock()
			}
		})
	}
	wg.Wait()
	tally.took = time.Since(start)
	close(errs)
	for err := range errs {
		t.Errorf("flood request: %v", err)
	}
	return tally
}

func TestConnRateFlood(t *testing.T) {
	const burst, flood = 5, 2000
	srv := startLimitServer(t, actorio.Options{EngineOptions: actorio.EngineOptions{
		Limits: actorio.ConnLimits{Rate: actorio.RateLimit{Count: burst, Interval: time.Minute}, TrustedProxies: loopbackProxy}}})
	srv.OnConnection(func(s *actorio.Socket) { _ = s.On("echo", func(m string, ack actorio.Ack) { _ = ack(m) }) })
	clients := make([]*rawSIO, 4) // from 127.0.0.1, the flood from 198.51.100.9
	for i := range clients {
		clients[i] = dialRawSIO(t, srv.url, 0)
	}
	floodDone := make(chan struct{})
	var tally *floodTally
	go func() {
		defer close(floodDone)
		tally = handshakeFlood(t, srv.url, flood, 4, func(int) string { return "198.51.100.9" })
	}()
	trips := roundTrips(t, clients, 50, floodDone)
	<-floodDone
	t.Logf("%d handshakes in %v: %v; healthy clients: %d round trips meanwhile, p50 %v p99 %v",
		flood, tally.took.Round(time.Millisecond), tally.statuses, len(trips), trips.pct(50), trips.pct(99))

	want429 := `{"code":4,"message":"Too many connection attempts from this address, retry later"}`
	if tally.statuses[200] != burst || tally.statuses[429] != flood-burst || tally.bodies[want429] != flood-burst || tally.noRetry != 0 {
		t.Errorf("flood answers = %v, bodies %v, %d without Retry-After; want %d x 200 and %d x 429 %s with Retry-After",
			tally.statuses, tally.bodies, tally.noRetry, burst, flood-burst, want429)
	}
	if got := srv.refused(t, "rate"); got != flood-burst {
		t.Errorf("actorio_connections_refused_total{reason=rate} = %v, want %d", got, flood-burst)
	}
	if got := metric(t, srv.reg, "actorio_connections_opened_total"); got != float64(len(clients)+burst) {
		t.Errorf("actorio_connections_opened_total = %v, want %d", got, len(clients)+burst)
	}
}

// A flood from ever new addresses (an IPv6 attacker cycling its /64s)
// never grows the limits' table past MaxAddresses, nor the heap.
func TestConnLimitTableBoundedUnderFlood(t *testing.T) {
	const maxAddresses, flood = 256, 5000
	srv := startLimitServer(t, actorio.Options{EngineOptions: actorio.EngineOptions{
		Limits: actorio.ConnLimits{Rate: actorio.RateLimit{Count: 1, Interval: time.Minute}, Total: 1,
			MaxAddresses: maxAddresses, TrustedProxies: loopbackProxy}}})
	srv.OnConnection(func(s *actorio.Socket) { _ = s.On("echo", func(m string, ack actorio.Ack) { _ = ack(m) }) })
	healthy := []*rawSIO{dialRawSIO(t, srv.url, 0)} // holds the server's one slot
	mem := startHeapSampler()
	var peakTracked atomic.Int64
	floodDone := make(chan struct{})
	var tally *floodTally
	go func() {
		defer close(floodDone)
		tally = handshakeFlood(t, srv.url, flood, 4, func(i int) string {
			if i%100 == 0 { // the table is read while it is flooded
				peakTracked.Store(max(peakTracked.Load(), int64(metric(t, srv.reg, "actorio_limit_tracked_addresses"))))
			}
			return fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff)
		})
	}()
	trips := roundTrips(t, healthy, 50, floodDone)
	<-floodDone
	growth, _ := mem.stop()
	tracked := metric(t, srv.reg, "actorio_limit_tracked_addresses")
	t.Logf("%d handshakes from as many /64s in %v: %v; addresses tracked %v (peak %d); %v; healthy client: %d round trips, p99 %v",
		flood, tally.took.Round(time.Millisecond), tally.statuses, tracked, peakTracked.Load(), mem, len(trips), trips.pct(99))

	if tracked > maxAddresses || peakTracked.Load() > maxAddresses {
		t.Errorf("addresses tracked = %v (peak %d), want at most MaxAddresses %d", tracked, peakTracked.Load(), maxAddresses)
	}
	if growth > 8<<20 {
		t.Errorf("live heap grew %.1f MiB during the flood, want < 8 MiB", mib(growth))
	}
	wantBody := `{"code":4,"message":"Server full, retry later"}`
	if tally.statuses[503] != flood || tally.bodies[wantBody] != flood {
		t.Errorf("flood answers = %v, bodies %v; want %d x 503 %s", tally.statuses, tally.bodies, flood, wantBody)
	}
}

// eventAcks reads a flooder's acks: answers with the echo, and answers
// with the limit's error.
type eventAcks struct{ echoed, refused, other int }

func TestEventRateFlood(t *testing.T) {
	const limit, flood = 1000, 5000
	srv := startLimitServer(t, actorio.Options{EventLimit: actorio.EventLimit{Rate: actorio.RateLimit{Count: limit, Interval: time.Minute}}})
	var handled atomic.Int64
	var limitErrs atomic.Int64
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("echo", func(m string, ack actorio.Ack) {
			handled.Add(1)
			_ = ack(m)
		})
		s.OnError(func(err error) {
			if le := (*actorio.EventRateLimitError)(nil); errors.As(err, &le) && le.Event == "echo" {
				limitErrs.Add(1)
			}
		})
	})
	clients := make([]*rawSIO, 4)
	for i := range clients {
		clients[i] = dialRawSIO(t, srv.url, 0)
	}
	flooder := dialRawSIO(t, srv.url, 0)

	start := time.Now()
	answers := make(chan eventAcks, 1)
	go func() { // the flooder's acks, read as they come (its reader drops what waits)
		var a eventAcks
		for a.echoed+a.refused+a.other < flood {
			m, err := flooder.read()
			if err != nil {
				break
			}
			_, data, _ := strings.Cut(m, "[")
			switch {
			case !strings.HasPrefix(m, "43"):
				a.other++
			case strings.HasPrefix(data, `"f`):
				a.echoed++
			case strings.HasPrefix(data, `{"error":"event rate limit exceeded","retryAfterMs":`):
				a.refused++
			default:
				a.other++
			}
		}
		answers <- a
	}()
	var batch bytes.Buffer
	for i := range flood {
		_ = wsutil.WriteClientText(&batch, []byte(`42`+strconv.Itoa(i)+`["echo","f`+strconv.Itoa(i)+`"]`))
	}
	floodDone := make(chan struct{})
	go func() {
		defer close(floodDone)
		flooder.mu.Lock()
		defer flooder.mu.Unlock()
		_ = flooder.conn.SetWriteDeadline(time.Now().Add(testkit.Timeout))
		if _, err := flooder.conn.Write(batch.Bytes()); err != nil {
			t.Errorf("flood write: %v", err)
		}
	}()
	trips := roundTrips(t, clients, 100, nil)
	<-floodDone
	a := testkit.Recv(t, answers, "the flooder's acks")
	took := time.Since(start)
	refill := int(took.Minutes()*limit) + 1
	t.Logf("%d events in %v: %d echoed, %d refused, %d other; handled %d; healthy: %d round trips, p50 %v p99 %v",
		flood, took.Round(time.Millisecond), a.echoed, a.refused, a.other, handled.Load(), len(trips), trips.pct(50), trips.pct(99))

	if a.echoed < limit || a.echoed > limit+refill || a.echoed+a.refused != flood || a.other != 0 {
		t.Errorf("flooder's acks: %d echoed, %d refused, %d other; want %d to %d echoed, the rest of %d refused", a.echoed, a.refused, a.other, limit, limit+refill, flood)
	}
	testkit.Eventually(t, "the error listener has seen every refusal", func() bool { return limitErrs.Load() == int64(a.refused) })
	if got := metric(t, srv.reg, "actorio_events_rate_limited_total", "action", "refused"); got != float64(a.refused) {
		t.Errorf("actorio_events_rate_limited_total{action=refused} = %v, want %d", got, a.refused)
	}
}
