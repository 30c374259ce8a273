package transport

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"unsafe"
)

// queueProbe is an OutQueue that counts what it tells its owner (itself),
// flushed by the test itself.
type queueProbe struct {
	*OutQueue
	soft, hard, ready, closed, aborting, done atomic.Int32
}

func newQueueProbe(limits QueueLimits) *queueProbe {
	p := &queueProbe{}
	p.OutQueue = newOutQueue(limits, p)
	return p
}

func (p *queueProbe) queueSoft()     { p.soft.Add(1) }
func (p *queueProbe) queueHard()     { p.hard.Add(1) }
func (p *queueProbe) queueReady()    { p.ready.Add(1) }
func (p *queueProbe) queueClosed()   { p.closed.Add(1) }
func (p *queueProbe) queueAborting() { p.aborting.Add(1) }
func (p *queueProbe) queueDone()     { p.done.Add(1) }

// flush writes at most n bytes of what is pending the way a flusher does,
// and returns them.
func (p *queueProbe) flush(t *testing.T, n int) []byte {
	t.Helper()
	frames, offset, st := p.view(maxFlushFrames)
	if st != flushMore {
		t.Fatalf("view() status = %d, want flushMore", st)
	}
	var out []byte
	for i, f := range frames {
		if i == 0 {
			f = f[offset:]
		}
		out = append(out, f...)
	}
	out = out[:min(n, len(out))]
	st, _ = p.consumed(len(out))
	if st == flushDone {
		p.done.Add(1)
	}
	return out
}

// drainQueue marks everything pending as written, allocating nothing.
func drainQueue(q *OutQueue) {
	frames, offset, _ := q.view(maxFlushFrames)
	n := -offset
	for _, f := range frames {
		n += len(f)
	}
	q.consumed(n)
}

func frameOf(size int, fill byte) []byte { return bytes.Repeat([]byte{fill}, size) }

func TestOutQueuePush(t *testing.T) {
	limits := QueueLimits{SoftBytes: 100, HardBytes: 200, SoftFrames: 5, HardFrames: 8}
	type push struct {
		size     int
		volatile bool
		want     PushResult
	}
	tests := []struct {
		name        string
		pushes      []push
		wantBytes   int
		wantFrames  int
		wantDropped uint64
		wantSoft    int32
		wantHard    int32
	}{
		{
			name:       "under soft",
			pushes:     []push{{40, false, PushQueued}, {60, false, PushQueued}},
			wantBytes:  100,
			wantFrames: 2,
		},
		{
			name:       "volatile queued when writable",
			pushes:     []push{{60, true, PushQueued}},
			wantBytes:  60,
			wantFrames: 1,
		},
		{
			// Node's transport.writable: a write pending makes it false.
			name:        "volatile dropped while a frame is pending",
			pushes:      []push{{10, false, PushQueued}, {10, true, PushDropped}, {10, false, PushQueued}},
			wantBytes:   20,
			wantFrames:  2,
			wantDropped: 1,
		},
		{
			name:        "volatile dropped past soft bytes",
			pushes:      []push{{101, true, PushDropped}, {90, false, PushQueued}, {20, true, PushDropped}},
			wantBytes:   90,
			wantFrames:  1,
			wantDropped: 2,
		},
		{
			name:        "volatile dropped past soft frames",
			pushes:      []push{{1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, true, PushDropped}, {1, true, PushDropped}},
			wantBytes:   5,
			wantFrames:  5,
			wantDropped: 2,
		},
		{
			name:       "soft crossed once",
			pushes:     []push{{90, false, PushQueued}, {20, false, PushQueued}, {20, false, PushQueued}, {5, true, PushDropped}},
			wantBytes:  130,
			wantFrames: 3, wantDropped: 1, wantSoft: 1,
		},
		{
			name:     "hard bytes overflow closes",
			pushes:   []push{{150, false, PushQueued}, {51, false, PushOverflow}, {1, false, PushClosed}, {1, true, PushClosed}},
			wantSoft: 1, wantHard: 1,
		},
		{
			name:     "hard frames overflow closes",
			pushes:   []push{{1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushQueued}, {1, false, PushOverflow}, {1, false, PushClosed}},
			wantSoft: 1, wantHard: 1,
		},
		{
			name:     "frame larger than hard",
			pushes:   []push{{201, false, PushOverflow}},
			wantHard: 1,
		},
		{
			name:       "empty frame ignored",
			pushes:     []push{{0, false, PushQueued}, {0, true, PushQueued}},
			wantBytes:  0,
			wantFrames: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueueProbe(limits)
			for i, p := range tt.pushes {
				if got := q.Push(frameOf(p.size, 'x'), p.volatile); got != p.want {
					t.Fatalf("push %d: Push(%d bytes, volatile=%v) = %v, want %v", i, p.size, p.volatile, got, p.want)
				}
			}
			if got := q.PendingBytes(); got != tt.wantBytes {
				t.Errorf("PendingBytes() = %d, want %d", got, tt.wantBytes)
			}
			if got := q.PendingFrames(); got != tt.wantFrames {
				t.Errorf("PendingFrames() = %d, want %d", got, tt.wantFrames)
			}
			if got := q.Dropped(); got != tt.wantDropped {
				t.Errorf("Dropped() = %d, want %d", got, tt.wantDropped)
			}
			if got := q.soft.Load(); got != tt.wantSoft {
				t.Errorf("OnSoft calls = %d, want %d", got, tt.wantSoft)
			}
			if got := q.hard.Load(); got != tt.wantHard {
				t.Errorf("OnHard calls = %d, want %d", got, tt.wantHard)
			}
			if tt.wantHard > 0 {
				if q.closed.Load() != 1 {
					t.Errorf("after overflow: closed hook calls = %d, want 1", q.closed.Load())
				}
				// The flusher that owns a scheduled queue reports it done.
				if q.ready.Load() > 0 {
					if _, _, got := q.view(1); got != flushDone {
						t.Errorf("view() after overflow = %d, want flushDone", got)
					}
				} else if q.done.Load() != 1 {
					t.Errorf("after overflow of an idle queue: done calls = %d, want 1", q.done.Load())
				}
			}
			if q.ready.Load() > 1 {
				t.Errorf("ready called %d times, want at most 1 before a flush", q.ready.Load())
			}
		})
	}
}

func TestQueueLimitsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   QueueLimits
		want QueueLimits
	}{
		{"zero", QueueLimits{}, QueueLimits{DefaultSoftBytes, DefaultHardBytes, DefaultSoftFrames, DefaultHardFrames}},
		{"negative", QueueLimits{-1, -1, -1, -1}, QueueLimits{DefaultSoftBytes, DefaultHardBytes, DefaultSoftFrames, DefaultHardFrames}},
		{"soft above hard", QueueLimits{SoftBytes: 10, HardBytes: 5, SoftFrames: 7, HardFrames: 3}, QueueLimits{5, 5, 3, 3}},
		{"soft from default hard", QueueLimits{SoftBytes: 16 << 20}, QueueLimits{DefaultHardBytes, DefaultHardBytes, DefaultSoftFrames, DefaultHardFrames}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%s: %+v.withDefaults() = %+v, want %+v", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestOutQueueSoftRearm checks that OnSoft fires once per crossing and is
// re-armed only once the queue drains to half its soft limit.
func TestOutQueueSoftRearm(t *testing.T) {
	q := newQueueProbe(QueueLimits{SoftBytes: 100, HardBytes: 1000})
	f := frameOf(10, 'a')
	push := func(n int) {
		for range n {
			if got := q.Push(f, false); got != PushQueued {
				t.Fatalf("Push() = %v, want queued", got)
			}
		}
	}
	steps := []struct {
		name     string
		do       func()
		wantSoft int32
	}{
		{"to the limit", func() { push(10) }, 0},
		{"past it", func() { push(1) }, 1},
		{"further past", func() { push(5) }, 1},
		{"drain to 60 (above half)", func() { q.flush(t, 100) }, 1},
		{"past again without re-arm", func() { push(5) }, 1},
		{"drain to 50 (half)", func() { q.flush(t, 60) }, 1},
		{"back to the limit", func() { push(5) }, 1},
		{"past again after re-arm", func() { push(1) }, 2},
	}
	for _, s := range steps {
		s.do()
		if got := q.soft.Load(); got != s.wantSoft {
			t.Fatalf("%s: OnSoft calls = %d, want %d (pending %d bytes)", s.name, got, s.wantSoft, q.PendingBytes())
		}
	}
}

// TestOutQueuePartialConsume writes the queue back in odd-sized pieces and
// checks that every byte comes out once, in order.
func TestOutQueuePartialConsume(t *testing.T) {
	for _, chunk := range []int{1, 3, 7, 64, 1000, 1 << 20} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			q := newQueueProbe(QueueLimits{})
			var want []byte
			for i := range 50 {
				f := frameOf(1+i*7%23, byte('a'+i%26))
				want = append(want, f...)
				q.Push(f, false)
			}
			var got []byte
			for q.PendingBytes() > 0 {
				before := q.PendingBytes()
				got = append(got, q.flush(t, chunk)...)
				if q.PendingBytes() != before-min(chunk, before) {
					t.Fatalf("PendingBytes() = %d after writing %d of %d", q.PendingBytes(), chunk, before)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("flushed %q, want %q", got, want)
			}
			if q.PendingFrames() != 0 || q.ready.Load() != 1 {
				t.Fatalf("PendingFrames() = %d, ready calls = %d, want 0 and 1", q.PendingFrames(), q.ready.Load())
			}
			// Idle again: the next push schedules again, once.
			q.Push(frameOf(1, 'z'), false)
			q.Push(frameOf(1, 'z'), false)
			if q.ready.Load() != 2 {
				t.Fatalf("ready calls = %d after pushes to an idle queue, want 2", q.ready.Load())
			}
		})
	}
}

// TestOutQueueSharesFrames checks that the queue keeps the caller's bytes.
func TestOutQueueSharesFrames(t *testing.T) {
	frame := []byte("42[\"event\",1]")
	a, b := newQueueProbe(QueueLimits{}), newQueueProbe(QueueLimits{})
	a.Push(frame, false)
	b.Push(frame, false)
	for _, q := range []*queueProbe{a, b} {
		frames, _, _ := q.view(1)
		if unsafe.SliceData(frames[0]) != unsafe.SliceData(frame) || len(frames[0]) != len(frame) {
			t.Fatalf("queued frame is a copy, want the pushed slice")
		}
	}
}

func TestOutQueueClose(t *testing.T) {
	// Each case pushes "hello " and "world " with a hard limit of 14 bytes,
	// then closes the way it says and plays the flusher.
	tests := []struct {
		name    string
		close   func(t *testing.T, q *queueProbe) (out []byte)
		wantOut string
	}{
		{
			name: "close idle",
			close: func(t *testing.T, q *queueProbe) []byte {
				out := q.flush(t, 100)
				q.Close()
				return out
			},
			wantOut: "hello world ",
		},
		{
			name: "close while ready",
			close: func(t *testing.T, q *queueProbe) []byte {
				q.Close()
				q.Close()
				if q.done.Load() != 0 {
					t.Fatalf("done while the queue is in the ready list")
				}
				if _, _, st := q.view(maxFlushFrames); st != flushDone {
					t.Fatalf("view() after Close = %d, want flushDone", st)
				}
				q.done.Add(1) // the flusher calls done
				return nil
			},
		},
		{
			name: "close while flushing",
			close: func(t *testing.T, q *queueProbe) []byte {
				q.view(maxFlushFrames)
				q.Close()
				if q.done.Load() != 0 {
					t.Fatalf("done while a flusher owns the queue")
				}
				if st, _ := q.consumed(3); st != flushDone {
					t.Fatalf("consumed() after Close = %d, want flushDone", st)
				}
				q.done.Add(1)
				return nil
			},
		},
		{
			name: "close after flush with final frame past the hard limit",
			close: func(t *testing.T, q *queueProbe) []byte {
				q.CloseAfterFlush([]byte("bye"))
				q.CloseAfterFlush([]byte("again"))
				var out []byte
				for q.PendingBytes() > 0 {
					if q.done.Load() != 0 {
						t.Fatalf("done before the final flush")
					}
					out = append(out, q.flush(t, 5)...)
				}
				return out
			},
			wantOut: "hello world bye",
		},
		{
			name: "close after flush without final frame",
			close: func(t *testing.T, q *queueProbe) []byte {
				q.CloseAfterFlush(nil)
				return q.flush(t, 100)
			},
			wantOut: "hello world ",
		},
		{
			name: "close after flush on an idle queue",
			close: func(t *testing.T, q *queueProbe) []byte {
				out := q.flush(t, 100)
				q.CloseAfterFlush(nil)
				return out
			},
			wantOut: "hello world ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueueProbe(QueueLimits{SoftBytes: 1, HardBytes: 14})
			q.Push([]byte("hello "), false)
			q.Push([]byte("world "), false)
			out := tt.close(t, q)
			if got := q.Push([]byte("late"), false); got != PushClosed {
				t.Fatalf("Push() after close = %v, want closed", got)
			}
			if string(out) != tt.wantOut {
				t.Errorf("flushed %q, want %q", out, tt.wantOut)
			}
			if q.PendingBytes() != 0 || q.PendingFrames() != 0 {
				t.Errorf("pending %d bytes %d frames after close, want 0", q.PendingBytes(), q.PendingFrames())
			}
			// closed interrupts writes, so a flusher finishing CloseAfterFlush
			// need not call it; done is called exactly once either way.
			if q.done.Load() != 1 || q.closed.Load() > 1 {
				t.Errorf("done=%d closed=%d, want 1 and at most 1", q.done.Load(), q.closed.Load())
			}
			if _, _, st := q.view(1); st != flushClosed {
				t.Errorf("view() on a finished queue = %d, want flushClosed", st)
			}
		})
	}
}

func TestOutQueuePushAllocs(t *testing.T) {
	q := newQueueProbe(QueueLimits{})
	frame := frameOf(60, 'x')
	const batch = 256
	for range batch {
		q.Push(frame, false) // grow the array once
	}
	drainQueue(q.OutQueue)
	allocs := testing.AllocsPerRun(100, func() {
		for range batch {
			q.Push(frame, false)
		}
		drainQueue(q.OutQueue)
	})
	if allocs != 0 {
		t.Fatalf("%d pushes and a flush allocate %.1f times in steady state, want 0", batch, allocs)
	}
}
