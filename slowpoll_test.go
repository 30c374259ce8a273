package actorio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// Polling clients that stop polling in a busy room cost bounded memory and
// are closed as slow consumers, as WebSocket ones are, while a healthy
// WebSocket client and a healthy polling client in the room lose nothing.
// The old code buffered 4.2 MB for each such client in 20 s and never
// closed them.
func TestPollingSlowConsumersBounded(t *testing.T) {
	const stalled = 200
	srv, base, reg := startFloodServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{
		PingInterval: time.Minute, PingTimeout: time.Minute, // only the buffer's bound may close them
		QueueLimits:       actorio.QueueLimits{SoftBytes: 128 << 10, HardBytes: 1 << 20},
		SlowConsumerGrace: 500 * time.Millisecond,
	}})
	srv.OnConnection(func(s *actorio.Socket) { s.Join("busy") })

	hc := &http.Client{Timeout: testkit.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	t.Cleanup(hc.CloseIdleConnections)
	// The stalled clients connect, then never poll again.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, stalled)
	for range stalled {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := pollConnect(hc, base); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	healthyPoll, err := pollConnect(hc, base)
	if err != nil {
		t.Fatal(err)
	}
	healthyWS := dialRawSIO(t, base, 0)
	// The CONNECT reply comes before the connection handler's join.
	testkit.Eventually(t, "every client in the room", func() bool { return srv.Of("/").RoomSize("busy") == stalled+2 })

	// A busy room: 512-byte packets, as fast as the server takes them (at
	// most 1000 a second), until every stalled client is closed.
	mem := startHeapSampler()
	start := time.Now()
	pad := strings.Repeat("x", 500)
	var sent atomic.Int64
	stop := make(chan struct{})
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := srv.To("busy").Emit("news", n, pad); err != nil {
				t.Error(err)
				return
			}
			sent.Add(1)
		}
	}()
	// The healthy clients read along, until the "end" that follows the
	// last packet.
	gotPoll, gotWS := make(chan int, 1), make(chan int, 1)
	go func() { gotPoll <- pollNews(hc, healthyPoll) }()
	go func() { gotWS <- wsNews(healthyWS) }()

	closedAll := func() bool { return metric(t, reg, "actorio_slow_consumer_disconnects_total") >= stalled }
	deadline := time.Now().Add(15 * time.Second)
	for !closedAll() && time.Now().Before(deadline) && !isClosed(mem.over) {
		time.Sleep(50 * time.Millisecond) // polls a metric; nothing to wait on
	}
	took := time.Since(start)
	close(stop)
	<-emitted
	growth, kept := mem.stop()
	n := int(sent.Load())
	if err := srv.To("busy").Emit("end"); err != nil {
		t.Fatal(err)
	}

	slow := metric(t, reg, "actorio_slow_consumer_disconnects_total")
	t.Logf("%d stalled polling clients: %v slow-consumer closes after %v (%d packets of %d B broadcast)", stalled, slow, took.Round(time.Millisecond), n, len(pad)+12)
	t.Logf("while they buffered: %v", mem)
	if slow != stalled {
		t.Errorf("slow-consumer closes = %v, want %d (every stalled client, and only them)", slow, stalled)
	}
	if v := metric(t, reg, "actorio_connection_closes_total", "reason", "transport error"); v != stalled {
		t.Errorf(`connection closes "transport error" = %v, want %d`, v, stalled)
	}
	if growth > floodHeapBound {
		t.Errorf("live heap grew %.1f MiB, want < %.0f MiB", mib(growth), mib(floodHeapBound))
	}
	if kept > pollKeptBound {
		t.Errorf("live heap %.1f MiB above where it started once the stalled clients were closed, want < %.0f MiB: what they buffered must be freed", mib(kept), mib(pollKeptBound))
	}

	// The healthy clients got every packet, in order.
	if got := <-gotWS; got != n {
		t.Errorf("healthy WebSocket client got %d packets in order, want %d", got, n)
	}
	if got := <-gotPoll; got != n {
		t.Errorf("healthy polling client got %d packets in order, want %d", got, n)
	}
}

// wsNews reads news packets until "end" and returns how many came in
// order before the first one missing.
func wsNews(c *rawSIO) int {
	next := 0
	for {
		msg, err := c.read()
		if err != nil || msg == `42["end"]` {
			return next
		}
		if !strings.HasPrefix(msg, fmt.Sprintf(`42["news",%d,`, next)) {
			return next
		}
		next++
	}
}

// pollKeptBound is what may stay live once the stalled clients are closed:
// their connections (both ends are in this process), not their buffers.
const pollKeptBound int64 = 4 << 20

// polling is a raw Socket.IO client over long-polling.
type polling struct{ url string }

// pollConnect opens a polling session and connects to "/".
func pollConnect(hc *http.Client, base string) (*polling, error) {
	body, err := pollDo(hc, "GET", base+"/socket.io/?EIO=4&transport=polling", "")
	if err != nil {
		return nil, err
	}
	var hs struct{ SID string }
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &hs) != nil {
		return nil, fmt.Errorf("handshake = %q", body)
	}
	p := &polling{url: base + "/socket.io/?EIO=4&transport=polling&sid=" + hs.SID}
	if body, err := pollDo(hc, "POST", p.url, "40"); err != nil || body != "ok" {
		return nil, fmt.Errorf("POST 40 = %q, %v", body, err)
	}
	if body, err := pollDo(hc, "GET", p.url, ""); err != nil || !strings.HasPrefix(body, "40{") {
		return nil, fmt.Errorf("CONNECT = %q, %v", body, err)
	}
	return p, nil
}

func pollDo(hc *http.Client, method, url, body string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("%s: status %d", method, resp.StatusCode)
	}
	return string(b), err
}

// pollNews polls until "end" and returns how many news packets arrived
// in order before the first one missing.
func pollNews(hc *http.Client, p *polling) int {
	next := 0
	for {
		body, err := pollDo(hc, "GET", p.url, "")
		if err != nil {
			return next
		}
		for pkt := range strings.SplitSeq(body, "\x1e") {
			switch {
			case pkt == `42["end"]`:
				return next
			case strings.HasPrefix(pkt, fmt.Sprintf(`42["news",%d,`, next)):
				next++
			case strings.HasPrefix(pkt, `42["news"`):
				return next // one missing or out of order
			}
		}
	}
}
