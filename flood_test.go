package actorio_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/prometheus/client_golang/prometheus"
)

// End-to-end bounds on real loopback sockets: a client that floods events
// faster than its handler runs costs the server bounded memory and is
// paused or closed, as InboundPolicy says, while healthy clients on the
// same server lose nothing. Figures (heap, round trips) are logged with -v.

// floodHeapBound is the heap growth allowed while a client floods: the old
// code grew without limit (2.48 GB RSS in 10 s by hand; past this bound in
// the test's 4 s under -race), the bounded one by a few MiB (the inbound
// backlog, the kernel buffers being outside the heap, and GC headroom).
const floodHeapBound int64 = 32 << 20

// floodHandlerDelay makes the echo handler slower than any flood.
const floodHandlerDelay = time.Millisecond

func TestFloodBoundedMemory(t *testing.T) {
	tests := []struct {
		name   string
		policy actorio.InboundPolicy
	}{
		{name: "pause", policy: actorio.InboundPause},
		{name: "close", policy: actorio.InboundClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { testFlood(t, tt.policy) })
	}
}

func testFlood(t *testing.T, policy actorio.InboundPolicy) {
	srv, base, reg := startFloodServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{
		PingInterval: 2 * time.Second, PingTimeout: 5 * time.Second, InboundPolicy: policy}})
	reasons := make(chan string, 16)
	var flooded atomic.Int64 // flood events handled
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("echo", func(msg string, ack actorio.Ack) {
			time.Sleep(floodHandlerDelay) // the handler's work, slower than the flood
			if strings.HasPrefix(msg, "flood") {
				flooded.Add(1)
			}
			_ = ack.Send(msg)
		})
		s.OnDisconnect(func(reason string) { reasons <- reason })
	})

	const healthy, trips = 4, 100
	clients := make([]*rawSIO, healthy)
	for i := range clients {
		clients[i] = dialRawSIO(t, base, 0)
	}
	quiet := roundTrips(t, clients, trips, nil)

	mem := startHeapSampler()
	f := startFlooder(t, base, mem, &flooded)
	// The healthy clients go on as long as the flooder floods (or waits).
	busy := roundTrips(t, clients, trips, f.ended)
	res := f.wait(t)
	lag := int64(res.sent) - flooded.Load() // sent and not yet handled, at the flood's end
	growth, _ := mem.stop()

	t.Logf("flooder (%s): %d events of %d B sent in %v, %d handled by then; longest write %v; closed=%v (%v)",
		policy, res.sent, len(floodEvent), res.took.Round(time.Millisecond), res.sent-int(lag), res.longestWrite.Round(time.Millisecond), res.closed, res.why)
	t.Logf("during the flood: %v", mem)
	t.Logf("healthy round trips (%d clients): without flooder %d, p50 %v p99 %v; with flooder %d, p50 %v p99 %v",
		healthy, len(quiet), quiet.pct(50), quiet.pct(99), len(busy), busy.pct(50), busy.pct(99))

	if growth > floodHeapBound {
		t.Errorf("live heap grew %.1f MiB during the flood, want < %.0f MiB", mib(growth), mib(floodHeapBound))
	}
	switch policy {
	case actorio.InboundPause:
		// TCP pushback: the flooder cannot get further ahead of its handler
		// than the inbound limit and the kernel's buffers.
		if lag > floodLagBound || res.closed {
			t.Errorf("flooder %d events ahead of its handler, closed=%v; want at most %d ahead (paused by TCP) and open", lag, res.closed, floodLagBound)
		}
		if v := metric(t, reg, "actorio_inbound_pauses_total"); v < 1 {
			t.Errorf("actorio_inbound_pauses_total = %v, want >= 1", v)
		}
	case actorio.InboundClose:
		if !res.closed {
			t.Errorf("flooder closed=%v, want closed", res.closed)
		}
		if got := testkit.Recv(t, reasons, "flooder's disconnect"); got != "transport error" {
			t.Errorf("flooder disconnected with %q, want %q", got, "transport error")
		}
		if v := metric(t, reg, "actorio_inbound_backlog_closes_total"); v != 1 {
			t.Errorf("actorio_inbound_backlog_closes_total = %v, want 1", v)
		}
	}
	select {
	case r := <-reasons:
		if policy == actorio.InboundPause {
			t.Errorf("a socket disconnected (%q) during the flood, want none", r)
		}
	default:
	}
}

func mib[N int64 | uint64](n N) float64 { return float64(n) / (1 << 20) }

// startFloodServer serves srv on loopback with small kernel receive
// buffers, so a paused reader pushes back on the client after a few
// thousand messages rather than after megabytes.
func startFloodServer(t *testing.T, opts *actorio.Options) (*actorio.Server, string, *prometheus.Registry) {
	t.Helper()
	srv := actorio.NewServer(opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = smallBufferListener{hs.Listener}
	hs.Start()
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return srv, hs.URL, reg
}

const smallSocketBuffer = 16 << 10

type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(smallSocketBuffer)
	}
	return c, err
}

// rawSIO is a minimal Socket.IO client on a WebSocket: its reader answers
// pings as they come (so it stays connected while the test does other
// things) and hands the other messages over, in order.
type rawSIO struct {
	conn   net.Conn
	mu     sync.Mutex // one writer at a time: the flood and the pongs
	msgs   chan string
	closed chan struct{} // closed when the reader stops
	err    error         // why, set before closed
}

func dialRawSIO(t *testing.T, base string, sndbuf int) *rawSIO {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := ws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok && sndbuf > 0 {
			_ = tc.SetWriteBuffer(sndbuf)
		}
		return c, err
	}}
	conn, br, _, err := d.Dial(ctx, wsURL(base, "/socket.io/?EIO=4&transport=websocket"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &rawSIO{conn: conn, msgs: make(chan string, 1024), closed: make(chan struct{})}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	go c.readLoop(bufio.NewReader(r))
	t.Cleanup(func() {
		conn.Close()
		<-c.closed
	})
	if open, err := c.read(); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open = %q, %v", open, err)
	}
	if err := c.write("40"); err != nil {
		t.Fatal(err)
	}
	if reply, err := c.read(); err != nil || !strings.HasPrefix(reply, "40{") {
		t.Fatalf("CONNECT = %q, %v", reply, err)
	}
	return c
}

func (c *rawSIO) readLoop(r io.Reader) {
	rw := struct {
		io.Reader
		io.Writer
	}{r, c.conn}
	for {
		data, _, err := wsutil.ReadServerData(rw)
		if err != nil {
			c.err = err
			close(c.closed)
			return
		}
		if string(data) == "2" {
			go func() { _ = c.write("3") }() // behind a blocked flood write, as a real client's
			continue
		}
		select {
		case c.msgs <- string(data):
		default: // nobody reads them (the flooder): dropped
		}
	}
}

func (c *rawSIO) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return wsutil.WriteClientText(c.conn, []byte(s))
}

// read returns the next message other than a ping.
func (c *rawSIO) read() (string, error) {
	select {
	case m := <-c.msgs:
		return m, nil
	case <-c.closed:
		return "", fmt.Errorf("connection closed: %w", c.err)
	case <-time.After(testkit.Timeout):
		return "", errors.New("no message within the read deadline")
	}
}

// latencies are round-trip times, for percentiles.
type latencies []time.Duration

func (l latencies) pct(p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}

// roundTrips has every client emit echo events with acks, one at a time,
// at least trips each and until until is closed (nil: trips), and checks
// each answer: a lost or wrong answer fails the test.
func roundTrips(t *testing.T, clients []*rawSIO, trips int, until <-chan struct{}) latencies {
	t.Helper()
	var mu sync.Mutex
	var all latencies
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for i, c := range clients {
		wg.Go(func() {
			for n := 0; n < trips || until != nil && !isClosed(until); n++ {
				msg := fmt.Sprintf("h%d-%d", i, n)
				start := time.Now()
				if err := c.write(fmt.Sprintf(`42%d["echo",%q]`, n, msg)); err != nil {
					errs <- fmt.Errorf("client %d: emit %d: %w", i, n, err)
					return
				}
				got, err := c.read()
				if want := fmt.Sprintf(`43%d[%q]`, n, msg); err != nil || got != want {
					errs <- fmt.Errorf("client %d: ack %d = %q, %v, want %q", i, n, got, err, want)
					return
				}
				mu.Lock()
				all = append(all, time.Since(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return all
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// heapSampler records, while it runs, the peaks of the heap in use
// (runtime.ReadMemStats), of the live heap (what the last GC kept: the
// bound is checked on it, as the heap in use also counts garbage not yet
// collected, which depends on GC pacing and on what earlier tests left),
// and of the process's resident memory (for the log: it includes the
// test's clients and the race detector's shadow memory).
type heapSampler struct {
	base, liveBase, rssBase uint64
	liveEnd                 uint64 // after the phase and a GC
	peak, livePeak, rssPeak atomic.Uint64
	over                    chan struct{} // closed once the live growth passes floodHeapBound
	quit                    chan struct{}
	done                    chan struct{}
}

// liveHeap returns the heap marked live by the last GC.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// rss returns the process's resident memory, or 0 where /proc is missing.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapSampler{base: ms.HeapInuse, liveBase: liveHeap(), rssBase: rss(),
		over: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(h.base)
	h.livePeak.Store(h.liveBase)
	h.rssPeak.Store(h.rssBase)
	go func() {
		defer close(h.done)
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		overClosed := false
		for {
			select {
			case <-h.quit:
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > h.peak.Load() {
				h.peak.Store(ms.HeapInuse)
			}
			if r := rss(); r > h.rssPeak.Load() {
				h.rssPeak.Store(r)
			}
			live := liveHeap()
			if live > h.livePeak.Load() {
				h.livePeak.Store(live)
			}
			if !overClosed && int64(live-h.liveBase) > floodHeapBound {
				close(h.over) // no need to go on: the bound is broken
				overClosed = true
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the live heap's growth at its peak
// and at the end (after a GC, so what is still held then counts even if
// no GC ran during the phase).
func (h *heapSampler) stop() (peak, end int64) {
	close(h.quit)
	<-h.done
	runtime.GC()
	h.liveEnd = liveHeap()
	if h.liveEnd > h.livePeak.Load() {
		h.livePeak.Store(h.liveEnd)
	}
	return int64(h.livePeak.Load() - h.liveBase), int64(h.liveEnd) - int64(h.liveBase)
}

// String describes the figures, for the log.
func (h *heapSampler) String() string {
	return fmt.Sprintf("live heap %.1f MiB before, %.1f MiB peak (+%.1f MiB), %.1f MiB after; heap in use %.1f MiB before, %.1f MiB peak; RSS %.1f MiB before, %.1f MiB peak",
		mib(h.liveBase), mib(h.livePeak.Load()), mib(h.livePeak.Load()-h.liveBase), mib(h.liveEnd),
		mib(h.base), mib(h.peak.Load()), mib(h.rssBase), mib(h.rssPeak.Load()))
}

// flooder writes floodEvent as fast as its socket takes it, for floodFor
// and then on while it is more than floodLagBound events ahead of its
// handler (the server buffers what it sends: the heap bound will break),
// until the server closes the connection or the heap bound breaks.
type flooder struct {
	c     *rawSIO
	done  chan floodResult
	ended chan struct{} // closed when the flood stops
	stop  chan struct{}
}

type floodResult struct {
	sent         int
	took         time.Duration
	longestWrite time.Duration
	closed       bool
	why          error // what the flooder saw when closed
	err          error // the test's own failure
}

const (
	floodFor   = 4 * time.Second  // at least
	floodMax   = 20 * time.Second // while further ahead than floodLagBound
	floodBatch = 16               // frames per write
	// floodLagBound is how far a paused flooder may get ahead of its
	// handler: the inbound limit (256), what the kernel buffers hold on
	// both sides (small here) and one write's batch, with room to spare.
	floodLagBound = 1024
)

// floodEvent is 42["echo","flood…"] padded to 4 KiB: under -race the
// server reads ~10k events/s, and the old code's unbounded growth must
// show within the flood's few seconds.
var floodEvent = `42["echo","flood` + strings.Repeat(".", 4<<10-18) + `"]`

// maskedFrame is a client text frame of 126 to 65535 bytes, masked with a
// zero key, so the payload reads as is.
func maskedFrame(payload string) []byte {
	f := []byte{0x81, 0x80 | 126, byte(len(payload) >> 8), byte(len(payload)), 0, 0, 0, 0}
	return append(f, payload...)
}

func startFlooder(t *testing.T, base string, mem *heapSampler, handled *atomic.Int64) *flooder {
	f := &flooder{c: dialRawSIO(t, base, smallSocketBuffer), done: make(chan floodResult, 1), ended: make(chan struct{}), stop: make(chan struct{})}
	batch := slices.Repeat(maskedFrame(floodEvent), floodBatch)
	go func() {
		start := time.Now()
		res := floodResult{}
		defer func() {
			res.took = time.Since(start)
			f.done <- res
			close(f.ended)
		}()
		for d := time.Duration(0); d < floodFor || d < floodMax && int64(res.sent)-handled.Load() > floodLagBound; d = time.Since(start) {
			select {
			case <-mem.over:
				res.err = errors.New("heap bound broken: flood stopped")
				return
			case <-f.c.closed:
				res.closed, res.why = true, f.c.err
				return
			case <-f.stop:
				return
			default:
			}
			f.c.mu.Lock()
			w0 := time.Now()
			_ = f.c.conn.SetWriteDeadline(w0.Add(testkit.Timeout))
			n, err := f.c.conn.Write(batch)
			res.longestWrite = max(res.longestWrite, time.Since(w0))
			f.c.mu.Unlock()
			res.sent += n / len(maskedFrame(floodEvent))
			if err != nil {
				res.closed, res.why = true, err
				return
			}
		}
	}()
	return f
}

func (f *flooder) wait(t *testing.T) floodResult {
	t.Helper()
	res := <-f.done
	f.c.conn.Close()
	if res.err != nil {
		t.Error(res.err)
	}
	return res
}
