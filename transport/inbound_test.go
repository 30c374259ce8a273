package transport

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// waitResult runs in.Wait on its own goroutine and returns its result.
func waitResult(ctx context.Context, in *Inbound) <-chan error {
	done := make(chan error, 1)
	go func() { done <- in.Wait(ctx) }()
	return done
}

// blocked reports whether a Wait started with waitResult is still waiting
// once every goroutine of the bubble is blocked.
func blocked(done <-chan error) bool {
	synctest.Wait()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func TestInboundAccounting(t *testing.T) {
	tests := []struct {
		name      string
		limits    InboundLimits
		sizes     []int // one message each
		wantOver  bool
		wantMsgs  int
		wantBytes int
	}{
		{name: "empty", limits: InboundLimits{Messages: 2, Bytes: 100}},
		{name: "at the message limit", limits: InboundLimits{Messages: 2, Bytes: 100}, sizes: []int{1, 1}, wantMsgs: 2, wantBytes: 2},
		{name: "past the message limit", limits: InboundLimits{Messages: 2, Bytes: 100}, sizes: []int{1, 1, 1}, wantOver: true, wantMsgs: 3, wantBytes: 3},
		{name: "at the byte limit", limits: InboundLimits{Messages: 10, Bytes: 100}, sizes: []int{60, 40}, wantMsgs: 2, wantBytes: 100},
		{name: "past the byte limit", limits: InboundLimits{Messages: 10, Bytes: 100}, sizes: []int{60, 41}, wantOver: true, wantMsgs: 2, wantBytes: 101},
		{name: "one message past the bytes", limits: InboundLimits{Messages: 10, Bytes: 100}, sizes: []int{101}, wantOver: true, wantMsgs: 1, wantBytes: 101},
		{name: "defaults", sizes: make([]int, DefaultInboundMessages+1), wantOver: true, wantMsgs: DefaultInboundMessages + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := NewInbound(tt.limits, 0)
			var held Credit
			for _, n := range tt.sizes {
				held = held.Join(in.Acquire(n))
			}
			if got := in.Over(); got != tt.wantOver {
				t.Errorf("Over() = %v, want %v", got, tt.wantOver)
			}
			if m, b := in.Backlog(); m != tt.wantMsgs || b != tt.wantBytes {
				t.Errorf("Backlog() = %d, %d, want %d, %d", m, b, tt.wantMsgs, tt.wantBytes)
			}
			held.Release() // one joined credit gives everything back
			if m, b := in.Backlog(); m != 0 || b != 0 || in.Over() {
				t.Errorf("after Release: Backlog() = %d, %d, Over() = %v, want 0, 0, false", m, b, in.Over())
			}
		})
	}
}

func TestInboundNilAndZeroCredit(t *testing.T) {
	var in *Inbound
	c := in.Acquire(10)
	c.Release()
	Credit{}.Release()
	if in.Over() || in.Wait(context.Background()) != nil {
		t.Error("a nil Inbound must be unbounded")
	}
	if _, reading := in.Reading(); !reading {
		t.Error("a nil Inbound must always be reading")
	}
}

// Reading resumes at half the limits, not at the first release, so a
// steady flood is read in batches.
func TestInboundWaitResumesAtHalf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := NewInbound(InboundLimits{Messages: 4, Bytes: 1 << 20}, time.Minute)
		var credits []Credit
		for range 5 {
			credits = append(credits, in.Acquire(1))
		}
		done := waitResult(context.Background(), in)
		if !blocked(done) {
			t.Fatal("Wait returned with the backlog past its limit")
		}
		if _, reading := in.Reading(); reading {
			t.Error("Reading() = true while a Wait is stopped")
		}
		credits[0].Release() // 4: at the limit, not yet half
		credits[1].Release() // 3
		if !blocked(done) {
			t.Fatal("Wait returned above half the limit")
		}
		time.Sleep(time.Second)
		credits[2].Release() // 2: half
		if err := <-done; err != nil {
			t.Fatalf("Wait() = %v, want nil", err)
		}
		since, reading := in.Reading()
		if !reading || !since.Equal(time.Now()) {
			t.Errorf("Reading() = %v, %v, want now, true", since, reading)
		}
	})
}

func TestInboundWaitEnds(t *testing.T) {
	tests := []struct {
		name    string
		ctx     time.Duration // zero: no deadline
		release time.Duration // when one credit is released; zero: never
		close   bool
		want    error
		wantAt  time.Duration
	}{
		{name: "session ends", close: true, want: ErrInboundClosed},
		{name: "nothing drains", want: ErrInboundStalled, wantAt: 10 * time.Second},
		{name: "stall restarts at each release", release: 6 * time.Second, want: ErrInboundStalled, wantAt: 16 * time.Second},
		{name: "deadline with progress", ctx: 10 * time.Second, release: 6 * time.Second, want: context.DeadlineExceeded, wantAt: 10 * time.Second},
		{name: "deadline without progress is a stall", ctx: 10 * time.Second, want: ErrInboundStalled, wantAt: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := NewInbound(InboundLimits{Messages: 4}, 10*time.Second)
				var credits []Credit
				for range 8 {
					credits = append(credits, in.Acquire(1))
				}
				ctx := context.Background()
				if tt.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.ctx)
					defer cancel()
				}
				start := time.Now()
				done := waitResult(ctx, in)
				if tt.release > 0 {
					time.Sleep(tt.release)
					credits[0].Release()
				}
				if tt.close {
					synctest.Wait()
					in.Close()
				}
				err := <-done
				if !errors.Is(err, tt.want) || time.Since(start) != tt.wantAt {
					t.Errorf("Wait() = %v after %v, want %v after %v", err, time.Since(start), tt.want, tt.wantAt)
				}
				if in.Over() && tt.close {
					t.Error("Over() = true after Close, want false: nothing may wait on an ended session")
				}
			})
		})
	}
}

func TestCreditExtend(t *testing.T) {
	in := NewInbound(InboundLimits{Messages: 2}, 0)
	c := in.Acquire(10).Extend(2, 30)
	if m, b := in.Backlog(); m != 3 || b != 40 || !in.Over() {
		t.Errorf("after Extend: Backlog() = %d, %d, Over() = %v, want 3, 40, true", m, b, in.Over())
	}
	c.Release()
	if m, b := in.Backlog(); m != 0 || b != 0 {
		t.Errorf("after Release: Backlog() = %d, %d, want 0, 0", m, b)
	}
	if z := (Credit{}).Extend(1, 1); z != (Credit{}) {
		t.Errorf("zero Credit Extend = %+v, want the zero Credit", z)
	}
}
