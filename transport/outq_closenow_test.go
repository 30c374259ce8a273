package transport

import (
	"testing"
)

// TestOutQueueCloseNow: CloseNow drops the backlog but keeps the stream
// parseable: the rest of a frame partly written goes out, then the final
// frame, then the queue is done.
func TestOutQueueCloseNow(t *testing.T) {
	// Each case pushes "aaaa", "bbbb", "cccc" (hard limit 12 bytes), plays
	// the flusher as it says, calls CloseNow("FIN"), and flushes what is
	// left.
	tests := []struct {
		name      string
		before    func(t *testing.T, q *queueProbe) []byte // the flusher's work before CloseNow
		wantOut   string
		wantReady int32 // how often the queue was handed to a flusher
	}{
		{
			name:      "nothing written",
			before:    func(*testing.T, *queueProbe) []byte { return nil },
			wantOut:   "FIN",
			wantReady: 1,
		},
		{
			name:      "a frame partly written",
			before:    func(t *testing.T, q *queueProbe) []byte { return q.flush(t, 6) },
			wantOut:   "aaaabb" + "bb" + "FIN",
			wantReady: 1,
		},
		{
			name:      "frames written whole",
			before:    func(t *testing.T, q *queueProbe) []byte { return q.flush(t, 8) },
			wantOut:   "aaaabbbb" + "FIN",
			wantReady: 1,
		},
		{
			name: "everything written: idle",
			before: func(t *testing.T, q *queueProbe) []byte {
				return q.flush(t, 12)
			},
			wantOut:   "aaaabbbbcccc" + "FIN",
			wantReady: 2,
		},
		{
			name: "after CloseAfterFlush",
			before: func(t *testing.T, q *queueProbe) []byte {
				out := q.flush(t, 2)
				q.CloseAfterFlush([]byte("BYE"))
				return out
			},
			wantOut:   "aa" + "aa" + "FIN",
			wantReady: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueueProbe(QueueLimits{HardBytes: 12})
			for _, f := range []string{"aaaa", "bbbb", "cccc"} {
				q.Push([]byte(f), false)
			}
			out := tt.before(t, q)
			q.CloseNow([]byte("FIN"))
			q.CloseNow([]byte("AGAIN")) // once only
			if got := q.Push([]byte("late"), false); got != PushClosed {
				t.Errorf("Push() after CloseNow = %v, want closed", got)
			}
			for !q.flushed() {
				out = append(out, q.flush(t, 5)...)
			}
			if string(out) != tt.wantOut {
				t.Errorf("CloseNow(%q) after %s: peer got %q, want %q", "FIN", tt.name, out, tt.wantOut)
			}
			if q.done.Load() != 1 || q.closed.Load() != 0 || q.ready.Load() != tt.wantReady {
				t.Errorf("done, closed, ready hook calls = %d, %d, %d, want 1, 0, %d", q.done.Load(), q.closed.Load(), q.ready.Load(), tt.wantReady)
			}
		})
	}
}

// flushed reports whether the queue is done: the flusher's last step.
func (p *queueProbe) flushed() bool { return p.done.Load() > 0 }

func TestOutQueueCloseNowWithoutFinal(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		q := newQueueProbe(QueueLimits{})
		q.CloseNow(nil)
		if q.closed.Load() != 1 || q.done.Load() != 1 {
			t.Errorf("CloseNow(nil) on an idle queue: closed, done = %d, %d, want 1, 1", q.closed.Load(), q.done.Load())
		}
	})
	t.Run("partly written", func(t *testing.T) {
		q := newQueueProbe(QueueLimits{})
		q.Push([]byte("aaaa"), false)
		q.Push([]byte("bbbb"), false)
		out := q.flush(t, 1)
		q.CloseNow(nil)
		for !q.flushed() {
			out = append(out, q.flush(t, 100)...)
		}
		if string(out) != "aaaa" {
			t.Errorf("CloseNow(nil) after 1 byte: peer got %q, want %q", out, "aaaa")
		}
	})
}

// TestOutQueueOverflowFrame: with an overflow frame, crossing the hard limit
// closes as CloseNow does instead of at once.
func TestOutQueueOverflowFrame(t *testing.T) {
	q := newQueueProbe(QueueLimits{SoftBytes: 4, HardBytes: 10})
	q.abortFrame = []byte("SLOW")
	q.Push([]byte("aaaa"), false)
	q.Push([]byte("bbbb"), false)
	out := q.flush(t, 2)
	if got := q.Push([]byte("cccccc"), false); got != PushOverflow {
		t.Fatalf("Push() past the hard limit = %v, want overflow", got)
	}
	if got := q.Push([]byte("d"), false); got != PushClosed {
		t.Errorf("Push() after overflow = %v, want closed", got)
	}
	for !q.flushed() {
		out = append(out, q.flush(t, 3)...)
	}
	if want := "aaaa" + "SLOW"; string(out) != want {
		t.Errorf("after overflow the peer got %q, want %q", out, want)
	}
	if q.hard.Load() != 1 || q.aborting.Load() != 1 || q.closed.Load() != 0 {
		t.Errorf("queueHard, queueAborting, queueClosed calls = %d, %d, %d, want 1, 1, 0", q.hard.Load(), q.aborting.Load(), q.closed.Load())
	}
}

// TestOutQueuePreface: a preface waits for the first frame without
// scheduling a flush, goes out before it, and is kept by CloseNow, so the
// peer always gets the handshake response before any frame.
func TestOutQueuePreface(t *testing.T) {
	for _, closeNow := range []bool{false, true} {
		q := newQueueProbe(QueueLimits{})
		q.Preface([]byte("HTTP"))
		if q.ready.Load() != 0 {
			t.Fatalf("Preface scheduled a flush")
		}
		q.Push([]byte("aaaa"), false)
		want := "HTTPaaaa"
		if closeNow {
			q.CloseNow([]byte("FIN"))
			want = "HTTPFIN"
		}
		var out []byte
		for len(out) < len(want) {
			out = append(out, q.flush(t, 3)...)
		}
		if string(out) != want {
			t.Errorf("closeNow=%v: peer got %q, want %q", closeNow, out, want)
		}
	}
}
