package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// checkGoroutines fails the test if it leaves more goroutines than it found
// once its other cleanups (registered later, so run earlier) are done.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			<-tick.C
		}
	})
}

func newPool(t *testing.T, opts *PoolOptions) *WriterPool {
	p := NewWriterPool(opts)
	t.Cleanup(p.Stop)
	return p
}

type connPair struct{ server, client net.Conn }

func dialTCP(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// newTCPPairs connects n loopback TCP pairs with dial, closed at cleanup.
func newTCPPairs(t testing.TB, n int, dial func(addr string) (net.Conn, error)) []connPair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pairs := make([]connPair, 0, n)
	t.Cleanup(func() {
		for _, p := range pairs {
			p.server.Close()
			p.client.Close()
		}
	})
	for range n {
		c, err := dial(ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept() // the kernel finished the handshake already
		if err != nil {
			c.Close()
			t.Fatal(err)
		}
		pairs = append(pairs, connPair{s, c})
	}
	return pairs
}

// newPipePairs returns n net.Pipe pairs: not syscall.Conns, so the pool
// writes them with blocking Writes.
func newPipePairs(t testing.TB, n int) []connPair {
	pairs := make([]connPair, n)
	for i := range pairs {
		s, c := net.Pipe()
		pairs[i] = connPair{s, c}
	}
	t.Cleanup(func() {
		for _, p := range pairs {
			p.server.Close()
			p.client.Close()
		}
	})
	return pairs
}

// shrinkSendBuffer makes the kernel take few bytes per write on a TCP conn.
func shrinkSendBuffer(t testing.TB, c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetWriteBuffer(4096); err != nil {
			t.Fatal(err)
		}
	}
}

// hookRecorder counts an OutConn's hook calls.
type hookRecorder struct {
	soft, hard, writeErrs, done atomic.Int32
	mu                          sync.Mutex
	err                         error
	onDone                      func()
}

func (r *hookRecorder) hooks() ConnHooks {
	return ConnHooks{
		OnSoft: func() { r.soft.Add(1) },
		OnHard: func() { r.hard.Add(1) },
		OnWriteError: func(err error) {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			r.writeErrs.Add(1)
		},
		OnDone: func() {
			r.done.Add(1)
			if r.onDone != nil {
				r.onDone()
			}
		},
	}
}

func (r *hookRecorder) firstErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func attach(t testing.TB, p *WriterPool, c net.Conn, limits QueueLimits, r *hookRecorder) *OutConn {
	t.Helper()
	oc, err := p.Attach(c, limits, r.hooks())
	if err != nil {
		t.Fatalf("Attach() error = %v", err)
	}
	return oc
}

// roomy limits are never reached by these tests' healthy connections.
var roomy = QueueLimits{SoftBytes: 256 << 20, HardBytes: 256 << 20, SoftFrames: 1 << 20, HardFrames: 1 << 20}

// testFrames returns count frames whose sizes cycle through sizes, each
// starting with its index and filled with a pattern that depends on it, so
// a lost, repeated or reordered byte shows. stream is their concatenation.
func testFrames(count int, sizes []int) (frames [][]byte, stream []byte) {
	for i := range count {
		f := make([]byte, max(sizes[i%len(sizes)], 4))
		binary.BigEndian.PutUint32(f, uint32(i))
		for j := 4; j < len(f); j++ {
			f[j] = byte(i*31 + j)
		}
		frames = append(frames, f)
		stream = append(stream, f...)
	}
	return frames, stream
}

type readResult struct {
	b   []byte
	err error
}

// readN reads exactly n bytes from c on a goroutine of its own.
func readN(c net.Conn, n int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		b := make([]byte, n)
		_, err := io.ReadFull(c, b)
		ch <- readResult{b, err}
	}()
	return ch
}

func checkStream(t *testing.T, who string, got readResult, want []byte) {
	t.Helper()
	if got.err != nil {
		t.Fatalf("%s: read error = %v", who, got.err)
	}
	if !bytes.Equal(got.b, want) {
		i := 0
		for i < len(want) && got.b[i] == want[i] {
			i++
		}
		t.Fatalf("%s: received stream differs from the pushed frames at byte %d of %d", who, i, len(want))
	}
}

// fakeConn is a net.Conn that is not a syscall.Conn and records its writes.
type fakeConn struct {
	mu     sync.Mutex
	writes [][]byte
	err    error // returned by every Write when set
}

type fakeAddr struct{}

func (fakeAddr) Network() string { return "fake" }
func (fakeAddr) String() string  { return "fake" }

func (c *fakeConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}

func (c *fakeConn) recorded() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

func (c *fakeConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *fakeConn) Close() error                     { return nil }
func (c *fakeConn) LocalAddr() net.Addr              { return fakeAddr{} }
func (c *fakeConn) RemoteAddr() net.Addr             { return fakeAddr{} }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// writeStartConn tells when a blocking Write starts.
type writeStartConn struct {
	net.Conn
	started chan struct{}
}

func (c *writeStartConn) Write(b []byte) (int, error) {
	select {
	case c.started <- struct{}{}:
	default:
	}
	return c.Conn.Write(b)
}

// holdFlushes keeps the pool off oc, as if it were already scheduled, so the
// test can queue several frames for one flush; releaseFlushes hands it over.
func holdFlushes(oc *OutConn) {
	oc.mu.Lock()
	oc.scheduled = true
	oc.mu.Unlock()
}

func releaseFlushes(oc *OutConn) { oc.schedule() }

func TestWriterPoolOrdering(t *testing.T) {
	tests := []struct {
		name  string
		opts  *PoolOptions
		pairs func(t *testing.T, n int) []connPair
		sizes []int
	}{
		{"tcp small frames", nil, tcpPairs, []int{1, 17, 60, 200}},
		{"tcp large frames by writev", nil, tcpPairs, []int{60, 5000, 70000, 3, 100000}},
		{"tcp tiny buffer", &PoolOptions{BufferSize: 256}, tcpPairs, []int{60, 5000, 17, 300, 9}},
		{"pipe blocking writes", nil, pipePairs, []int{60, 5000, 70000, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, tt.opts)
			pairs := tt.pairs(t, 8)
			frames, stream := testFrames(400, tt.sizes)
			var pushers sync.WaitGroup
			reads := make([]<-chan readResult, len(pairs))
			recs := make([]*hookRecorder, len(pairs))
			for i, p := range pairs {
				reads[i] = readN(p.client, len(stream))
				recs[i] = &hookRecorder{}
				oc := attach(t, pool, p.server, roomy, recs[i])
				pushers.Go(func() {
					for j, f := range frames {
						if got := oc.Push(f, false); got != PushQueued {
							t.Errorf("conn %d: Push(frame %d) = %v, want queued", i, j, got)
							return
						}
					}
				})
			}
			pushers.Wait()
			for i, r := range reads {
				checkStream(t, fmt.Sprintf("conn %d", i), <-r, stream)
				if n := recs[i].writeErrs.Load(); n != 0 {
					t.Errorf("conn %d: %d write errors: %v", i, n, recs[i].firstErr())
				}
			}
		})
	}
}

func tcpPairs(t *testing.T, n int) []connPair  { return newTCPPairs(t, n, dialTCP) }
func pipePairs(t *testing.T, n int) []connPair { return newPipePairs(t, n) }

// TestWriterPoolOneWritePerFlush queues frames while the pool is held off a
// connection and checks that they leave in a single write.
func TestWriterPoolOneWritePerFlush(t *testing.T) {
	frames, stream := testFrames(100, []int{60, 1, 200, 33})
	tests := []struct {
		name string
		// conn returns the server side and a function returning what the
		// peer received and, for a fake conn, how many Write calls did it.
		conn func(t *testing.T) (net.Conn, func() ([]byte, int))
	}{
		{
			name: "tcp",
			conn: func(t *testing.T) (net.Conn, func() ([]byte, int)) {
				p := newTCPPairs(t, 1, dialTCP)[0]
				// Room for the whole stream: a partial write would mean two.
				if err := p.server.(*net.TCPConn).SetWriteBuffer(1 << 20); err != nil {
					t.Fatal(err)
				}
				r := readN(p.client, len(stream))
				return p.server, func() ([]byte, int) {
					res := <-r
					if res.err != nil {
						t.Fatalf("read error = %v", res.err)
					}
					return res.b, -1
				}
			},
		},
		{
			name: "fake conn",
			conn: func(t *testing.T) (net.Conn, func() ([]byte, int)) {
				c := &fakeConn{}
				return c, func() ([]byte, int) {
					var got []byte
					testkit.Eventually(t, "the fake conn to receive everything", func() bool {
						got = bytes.Join(c.recorded(), nil)
						return len(got) >= len(stream)
					})
					return got, len(c.recorded())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, nil)
			server, received := tt.conn(t)
			oc := attach(t, pool, server, roomy, &hookRecorder{})
			holdFlushes(oc)
			for _, f := range frames {
				oc.Push(f, false)
			}
			if got := oc.PendingFrames(); got != len(frames) {
				t.Fatalf("PendingFrames() = %d while held, want %d", got, len(frames))
			}
			releaseFlushes(oc)
			got, calls := received()
			if !bytes.Equal(got, stream) {
				t.Fatalf("received %d bytes, want the %d pushed, in order", len(got), len(stream))
			}
			testkit.Eventually(t, "the queue to drain", func() bool { return oc.PendingFrames() == 0 })
			st := pool.Stats()
			if st.Writes != 1 || st.Frames != uint64(len(frames)) || st.Bytes != uint64(len(stream)) {
				t.Errorf("Stats() = %+v, want 1 write of %d frames, %d bytes", st, len(frames), len(stream))
			}
			if calls >= 0 && calls != 1 {
				t.Errorf("conn Write calls = %d, want 1", calls)
			}
		})
	}
}

// TestWriterPoolSlowReader pushes the same frames to 50 healthy connections
// and one whose peer never reads: the healthy ones get everything while the
// slow one stalls, crosses its soft limit, then its hard limit.
func TestWriterPoolSlowReader(t *testing.T) {
	checkGoroutines(t)
	pool := newPool(t, nil)
	healthy := newTCPPairs(t, 50, dialTCP)
	slow := newTCPPairs(t, 1, func(addr string) (net.Conn, error) { return dialSmallRcvBuf(addr, 4096) })[0]
	shrinkSendBuffer(t, slow.server)

	frames, stream := testFrames(1000, []int{100, 700, 1000, 300})
	type member struct {
		oc   *OutConn
		rec  *hookRecorder
		read <-chan readResult
	}
	members := make([]member, len(healthy))
	for i, p := range healthy {
		rec := &hookRecorder{}
		members[i] = member{attach(t, pool, p.server, roomy, rec), rec, readN(p.client, len(stream))}
	}
	slowRec := &hookRecorder{}
	slowOC := attach(t, pool, slow.server, QueueLimits{SoftBytes: 64 << 10, HardBytes: 256 << 10}, slowRec)

	// First wedge the slow conn: its socket is full and it waits to be
	// writable, so every healthy frame below is flushed while it is stuck.
	slowResults, volatileResults := map[PushResult]int{}, map[PushResult]int{}
	volatile := []byte("volatile")
	wedge := bytes.Repeat([]byte("w"), 8<<10)
	testkit.Eventually(t, "the slow conn to wait for writability", func() bool {
		slowResults[slowOC.Push(wedge, false)]++
		return pool.Stats().Waits > 0 || runtime.GOOS != "linux"
	})
	for i, f := range frames {
		for j, m := range members {
			if got := m.oc.Push(f, false); got != PushQueued {
				t.Fatalf("healthy conn %d: Push(frame %d) = %v, want queued", j, i, got)
			}
		}
		slowResults[slowOC.Push(f, false)]++
		volatileResults[slowOC.Push(volatile, true)]++
	}
	for i, m := range members {
		checkStream(t, fmt.Sprintf("healthy conn %d", i), <-m.read, stream)
		if m.rec.writeErrs.Load() != 0 || m.rec.hard.Load() != 0 || m.rec.done.Load() != 0 {
			t.Errorf("healthy conn %d: writeErrs=%d hard=%d done=%d, want 0", i, m.rec.writeErrs.Load(), m.rec.hard.Load(), m.rec.done.Load())
		}
	}

	testkit.Eventually(t, "the slow conn to be done", func() bool { return slowRec.done.Load() == 1 })
	if slowResults[PushOverflow] != 1 || slowResults[PushQueued] == 0 || slowResults[PushDropped] != 0 {
		t.Errorf("slow conn push results = %v, want queued, then one overflow, then closed", slowResults)
	}
	if n := volatileResults[PushDropped]; n == 0 || uint64(n) != slowOC.Dropped() {
		t.Errorf("slow conn volatile push results = %v, Dropped() = %d; want drops past the soft limit, all counted", volatileResults, slowOC.Dropped())
	}
	if slowRec.soft.Load() != 1 || slowRec.hard.Load() != 1 || slowRec.writeErrs.Load() != 0 {
		t.Errorf("slow conn: OnSoft=%d OnHard=%d OnWriteError=%d, want 1, 1, 0",
			slowRec.soft.Load(), slowRec.hard.Load(), slowRec.writeErrs.Load())
	}
}

// TestWriterPoolPartialWritesResume fills a socket so writes are cut short,
// then reads: the stream must be byte-exact, so every resume started at the
// right offset into the right frame.
func TestWriterPoolPartialWritesResume(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking partial writes are the Linux path")
	}
	for _, bufSize := range []int{0, 256} {
		t.Run(fmt.Sprintf("buffer=%d", bufSize), func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, &PoolOptions{BufferSize: bufSize})
			p := newTCPPairs(t, 1, func(addr string) (net.Conn, error) { return dialSmallRcvBuf(addr, 4096) })[0]
			shrinkSendBuffer(t, p.server)
			frames, stream := testFrames(300, []int{13, 60, 5000, 1, 70001, 200, 3000})
			rec := &hookRecorder{}
			oc := attach(t, pool, p.server, roomy, rec)
			for _, f := range frames {
				oc.Push(f, false)
			}
			testkit.Eventually(t, "a write cut short", func() bool { return pool.Stats().Waits > 0 })
			checkStream(t, "peer", <-readN(p.client, len(stream)), stream)
			testkit.Eventually(t, "the queue to drain", func() bool { return oc.PendingBytes() == 0 })
			if st := pool.Stats(); st.Bytes != uint64(len(stream)) || st.Frames != uint64(len(frames)) {
				t.Errorf("Stats() = %+v, want %d bytes in %d frames", st, len(stream), len(frames))
			}
			if rec.writeErrs.Load() != 0 {
				t.Errorf("write error: %v", rec.firstErr())
			}
		})
	}
}

var errBoom = errors.New("boom")

func TestWriterPoolWriteErrorReportedOnce(t *testing.T) {
	tests := []struct {
		name string
		// broken returns a server conn whose writes fail (sooner or later).
		broken  func(t *testing.T) net.Conn
		wantErr func(error) bool
	}{
		{
			name: "tcp reset by peer",
			broken: func(t *testing.T) net.Conn {
				p := newTCPPairs(t, 1, dialTCP)[0]
				if err := p.client.(*net.TCPConn).SetLinger(0); err != nil {
					t.Fatal(err)
				}
				p.client.Close() // linger 0: the peer answers with RST
				return p.server
			},
			wantErr: func(err error) bool {
				return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
			},
		},
		{
			name: "pipe closed by peer",
			broken: func(t *testing.T) net.Conn {
				p := newPipePairs(t, 1)[0]
				p.client.Close()
				return p.server
			},
			wantErr: func(err error) bool { return errors.Is(err, io.ErrClosedPipe) },
		},
		{
			name:    "fake conn error",
			broken:  func(t *testing.T) net.Conn { return &fakeConn{err: errBoom} },
			wantErr: func(err error) bool { return errors.Is(err, errBoom) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, nil)
			rec := &hookRecorder{}
			oc := attach(t, pool, tt.broken(t), roomy, rec)
			frame := bytes.Repeat([]byte("x"), 1000)
			testkit.Eventually(t, "a write error", func() bool {
				oc.Push(frame, false)
				return rec.writeErrs.Load() > 0
			})
			testkit.Eventually(t, "OnDone", func() bool { return rec.done.Load() > 0 })
			for range 10 {
				if got := oc.Push(frame, false); got != PushClosed {
					t.Fatalf("Push() after a write error = %v, want closed", got)
				}
			}
			oc.Close()
			if n, d := rec.writeErrs.Load(), rec.done.Load(); n != 1 || d != 1 {
				t.Errorf("OnWriteError calls = %d, OnDone calls = %d, want 1 and 1", n, d)
			}
			if err := rec.firstErr(); !tt.wantErr(err) {
				t.Errorf("OnWriteError(%v): unexpected error", err)
			}
		})
	}
}

// stuckConn returns the server side of a connection whose peer never reads
// and a channel that yields once the pool has been stopped by it: a raw
// conn waiting for writability, or a blocking Write in progress.
func stuckConn(t *testing.T, kind string, pool *WriterPool) (net.Conn, func()) {
	switch kind {
	case "tcp":
		p := newTCPPairs(t, 1, func(addr string) (net.Conn, error) { return dialSmallRcvBuf(addr, 4096) })[0]
		shrinkSendBuffer(t, p.server)
		before := pool.Stats().Waits
		return p.server, func() {
			testkit.Eventually(t, "the socket to fill", func() bool { return pool.Stats().Waits > before })
		}
	default:
		p := newPipePairs(t, 1)[0]
		c := &writeStartConn{Conn: p.server, started: make(chan struct{}, 1)}
		return c, func() {
			select {
			case <-c.started:
			case <-time.After(10 * time.Second):
				t.Fatal("timed out waiting for a blocking write")
			}
		}
	}
}

func stuckKinds() []string {
	if runtime.GOOS == "linux" {
		return []string{"tcp", "pipe"}
	}
	return []string{"pipe"}
}

// fillStuckConn attaches a connection whose peer never reads and queues
// 2 MiB to it, more than the kernel buffers take.
func fillStuckConn(t *testing.T, kind string, writeTimeout time.Duration) (*OutConn, *hookRecorder, func()) {
	t.Helper()
	pool := newPool(t, &PoolOptions{WriteTimeout: writeTimeout})
	c, stuck := stuckConn(t, kind, pool)
	rec := &hookRecorder{}
	oc := attach(t, pool, c, roomy, rec)
	frame := bytes.Repeat([]byte("y"), 64<<10)
	for range 32 {
		oc.Push(frame, false)
	}
	return oc, rec, stuck
}

func TestWriterPoolCloseInterruptsStuckWrite(t *testing.T) {
	for _, kind := range stuckKinds() {
		t.Run(kind, func(t *testing.T) {
			checkGoroutines(t)
			// A timeout far beyond waitFor's: only Close can unblock it.
			oc, rec, stuck := fillStuckConn(t, kind, time.Hour)
			stuck()
			oc.Close()
			testkit.Eventually(t, "OnDone after Close", func() bool { return rec.done.Load() == 1 })
			if rec.writeErrs.Load() != 0 {
				t.Errorf("OnWriteError(%v) after the owner's Close, want no call", rec.firstErr())
			}
		})
	}
}

func TestWriterPoolWriteTimeout(t *testing.T) {
	for _, kind := range stuckKinds() {
		t.Run(kind, func(t *testing.T) {
			checkGoroutines(t)
			_, rec, _ := fillStuckConn(t, kind, 50*time.Millisecond)
			testkit.Eventually(t, "OnDone", func() bool { return rec.done.Load() == 1 })
			if n := rec.writeErrs.Load(); n != 1 || !errors.Is(rec.firstErr(), os.ErrDeadlineExceeded) {
				t.Errorf("OnWriteError calls = %d, error %v; want 1 call with os.ErrDeadlineExceeded", n, rec.firstErr())
			}
		})
	}
}

func TestWriterPoolCloseAfterFlush(t *testing.T) {
	for _, kind := range []string{"tcp", "pipe"} {
		t.Run(kind, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, nil)
			var p connPair
			if kind == "tcp" {
				p = newTCPPairs(t, 1, dialTCP)[0]
			} else {
				p = newPipePairs(t, 1)[0]
			}
			frames, stream := testFrames(200, []int{60, 7000, 3})
			final := []byte{0x88, 0x02, 0x03, 0xe8} // a WebSocket close frame
			rec := &hookRecorder{onDone: func() { p.server.Close() }}
			oc := attach(t, pool, p.server, QueueLimits{HardBytes: len(stream)}, rec)
			read := make(chan readResult, 1)
			go func() {
				b, err := io.ReadAll(p.client) // until the owner closes in OnDone
				read <- readResult{b, err}
			}()
			for _, f := range frames {
				oc.Push(f, false)
			}
			oc.CloseAfterFlush(final)
			if got := oc.Push(frames[0], false); got != PushClosed {
				t.Errorf("Push() after CloseAfterFlush = %v, want closed", got)
			}
			checkStream(t, "peer", <-read, append(stream, final...))
			if rec.done.Load() != 1 || rec.writeErrs.Load() != 0 {
				t.Errorf("OnDone=%d OnWriteError=%d, want 1 and 0", rec.done.Load(), rec.writeErrs.Load())
			}
		})
	}
}

// TestWriterPoolStop stops a pool with idle, busy and stuck connections:
// every one gets OnDone before Stop returns and no goroutine survives.
func TestWriterPoolStop(t *testing.T) {
	checkGoroutines(t)
	pool := NewWriterPool(&PoolOptions{Writers: 3, WriteTimeout: time.Hour})
	var conns []net.Conn
	var stuck []func()
	for _, p := range newTCPPairs(t, 10, dialTCP) {
		conns = append(conns, p.server)
	}
	for _, p := range newPipePairs(t, 3) {
		conns = append(conns, p.server)
	}
	for _, kind := range stuckKinds() {
		for range 2 {
			c, s := stuckConn(t, kind, pool)
			conns = append(conns, c)
			stuck = append(stuck, s)
		}
	}
	recs := make([]*hookRecorder, len(conns))
	ocs := make([]*OutConn, len(conns))
	for i, c := range conns {
		recs[i] = &hookRecorder{}
		ocs[i] = attach(t, pool, c, roomy, recs[i])
	}
	ocs[0].Close() // already done before Stop
	frame := bytes.Repeat([]byte("z"), 32<<10)
	for _, oc := range ocs[1:] {
		for range 8 {
			oc.Push(frame, false)
		}
	}
	for _, s := range stuck {
		s()
	}

	pool.Stop()
	for i, r := range recs {
		if r.done.Load() != 1 || r.writeErrs.Load() != 0 {
			t.Errorf("conn %d: OnDone=%d OnWriteError=%d (%v), want 1 and 0", i, r.done.Load(), r.writeErrs.Load(), r.firstErr())
		}
	}
	if got := ocs[1].Push(frame, false); got != PushClosed {
		t.Errorf("Push() after Stop = %v, want closed", got)
	}
	if _, err := pool.Attach(&fakeConn{}, QueueLimits{}, ConnHooks{}); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("Attach() after Stop error = %v, want ErrPoolStopped", err)
	}
	pool.Stop() // again: no effect
}
