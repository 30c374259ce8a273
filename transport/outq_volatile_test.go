package transport

import "testing"

// A volatile frame goes only to a writable connection, as Node's
// transport.writable: not while a frame is pending or half written, and
// again once the flusher has written everything.
func TestOutQueueVolatileWhenWritable(t *testing.T) {
	limits := QueueLimits{SoftBytes: 100, HardBytes: 200, SoftFrames: 5, HardFrames: 8}
	tests := []struct {
		name    string
		written int // bytes of the pending 10-byte frame the flusher writes first
		want    PushResult
	}{
		{"pending", 0, PushDropped},
		{"half written", 5, PushDropped},
		{"written", 10, PushQueued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueueProbe(limits)
			if got := q.Push(frameOf(10, 'a'), false); got != PushQueued {
				t.Fatalf("Push(regular) = %v, want queued", got)
			}
			if tt.written > 0 {
				q.flush(t, tt.written)
			}
			if got := q.Push(frameOf(10, 'v'), true); got != tt.want {
				t.Errorf("Push(volatile) with %d of 10 bytes written = %v, want %v", tt.written, got, tt.want)
			}
		})
	}
}
