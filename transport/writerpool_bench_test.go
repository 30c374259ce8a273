package transport

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWriterPool measures the broadcast path: one ~60-byte frame, built
// once, pushed to every member and delivered over loopback TCP.
func BenchmarkWriterPool(b *testing.B) {
	// inflight bounds how many broadcasts may be undelivered when the next
	// one is pushed: 1 measures one broadcast at a time (latency bound, no
	// coalescing possible), larger values a server under sustained load.
	for _, inflight := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("op=broadcast/conns=1000/inflight=%d", inflight), func(b *testing.B) {
			benchBroadcast(b, 1000, inflight)
		})
	}
	b.Run("op=push/queue=busy", benchPushBusy)
	b.Run("op=push/queue=idle", benchPushIdle)
}

// deliveryCounter counts bytes received by many readers and wakes a waiter
// when the total reaches its target.
type deliveryCounter struct {
	received atomic.Int64
	target   atomic.Int64
	reached  chan struct{}
	timeout  *time.Timer // reused: waitFor runs once per op
}

func newDeliveryCounter() *deliveryCounter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &deliveryCounter{reached: make(chan struct{}, 1), timeout: t}
}

func (d *deliveryCounter) add(n int) {
	if t := d.target.Load(); d.received.Add(int64(n)) >= t && t > 0 {
		select {
		case d.reached <- struct{}{}:
		default:
		}
	}
}

// waitFor blocks until at least n bytes have been received.
func (d *deliveryCounter) waitFor(b *testing.B, n int64) {
	d.target.Store(n)
	d.timeout.Reset(30 * time.Second)
	defer d.timeout.Stop()
	for d.received.Load() < n {
		select {
		case <-d.reached:
		case <-d.timeout.C:
			b.Fatalf("delivered %d bytes, want %d", d.received.Load(), n)
		}
	}
}

func benchBroadcast(b *testing.B, conns, inflight int) {
	// A WebSocket text frame (unmasked, as servers send) carrying
	// 42["msg","..."]: 2 header bytes + 58 payload bytes.
	payload := []byte(`42["msg","` + string(bytes.Repeat([]byte("x"), 46)) + `"]`)
	frame := append([]byte{0x81, byte(len(payload))}, payload...)

	pool := NewWriterPool(nil)
	defer pool.Stop()
	pairs := newTCPPairs(b, conns, dialTCP)
	d := newDeliveryCounter()
	ocs := make([]*OutConn, conns)
	for i, p := range pairs {
		buf := make([]byte, 64<<10) // here, not in the reader: setup is not measured
		go func(c net.Conn) {
			for {
				n, err := c.Read(buf)
				d.add(n)
				if err != nil {
					return // closed at cleanup
				}
			}
		}(p.client)
		oc, err := pool.Attach(p.server, QueueLimits{}, ConnHooks{})
		if err != nil {
			b.Fatal(err)
		}
		ocs[i] = oc
	}

	perRound := int64(conns * len(frame))
	// One warm-up round: every queue allocates its array on first use.
	for _, oc := range ocs {
		oc.Push(frame, false)
	}
	d.waitFor(b, perRound)
	before := pool.Stats()
	sent := perRound
	var pushTime time.Duration
	start := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if sent-d.received.Load() > int64(inflight-1)*perRound {
			d.waitFor(b, sent-int64(inflight-1)*perRound)
		}
		t0 := time.Now()
		for _, oc := range ocs {
			if r := oc.Push(frame, false); r != PushQueued {
				b.Fatalf("Push() = %v, want queued", r)
			}
		}
		pushTime += time.Since(t0)
		sent += perRound
	}
	d.waitFor(b, sent)
	elapsed := time.Since(start)

	st := pool.Stats()
	frames := float64((sent - perRound) / int64(len(frame)))
	b.ReportMetric(float64(elapsed.Nanoseconds())/frames, "ns/frame")
	b.ReportMetric(float64(pushTime.Nanoseconds())/frames, "push-ns/frame")
	b.ReportMetric(float64(st.Frames-before.Frames)/float64(max(st.Writes-before.Writes, 1)), "frames/syscall")
}

// benchPushBusy measures Push on a queue that is already scheduled: no pool
// hand-off, only the lock, the limit checks and the append. The queue is
// drained as a flusher would, every 256 pushes.
func benchPushBusy(b *testing.B) {
	q := newOutQueue(QueueLimits{}, nil)
	frame := make([]byte, 60)
	b.ReportAllocs()
	for b.Loop() {
		if q.Push(frame, false) != PushQueued {
			b.Fatal("Push() failed")
		}
		if q.PendingFrames() >= 256 {
			drainQueue(q)
		}
	}
}

// benchPushIdle measures Push on idle queues, each push handing its queue to
// the pool's ready list, and the flusher's bookkeeping (take the queue,
// view, consumed), without writer goroutines or system calls.
func benchPushIdle(b *testing.B) {
	p := &WriterPool{writers: 1, conns: make(map[*OutConn]struct{})}
	p.readyCond = sync.NewCond(&p.readyMu)
	ocs := make([]*OutConn, 1024)
	for i := range ocs {
		oc := &OutConn{pool: p, raw: noRawConn{}}
		oc.OutQueue = newOutQueue(QueueLimits{}, oc)
		ocs[i] = oc
	}
	frame := make([]byte, 60)
	var batch []*OutConn
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		if ocs[next].Push(frame, false) != PushQueued {
			b.Fatal("Push() failed")
		}
		if next++; next == len(ocs) {
			for taken := 0; taken < len(ocs); taken += len(batch) {
				batch = p.takeReady(batch[:0])
				for _, oc := range batch {
					drainQueue(oc.OutQueue)
				}
			}
			next = 0
		}
	}
}

// noRawConn stands in for a socket in benchPushIdle; it is never used.
type noRawConn struct{}

func (noRawConn) Control(func(uintptr)) error    { return nil }
func (noRawConn) Read(func(uintptr) bool) error  { return nil }
func (noRawConn) Write(func(uintptr) bool) error { return nil }
