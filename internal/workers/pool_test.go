package workers

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

const idleTime = time.Second

// A function handed to a parked worker runs on it: no worker stays parked
// while it runs, and the same one parks again after.
func TestPoolReusesParkedWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(4, idleTime)
		defer p.Close()
		p.Go(Func(func() {}))
		synctest.Wait()
		if got := p.Idle(); got != 1 {
			t.Fatalf("Idle() after one burst = %d, want 1", got)
		}
		gate := make(chan struct{})
		p.Go(Func(func() { <-gate }))
		synctest.Wait()
		if got := p.Idle(); got != 0 {
			t.Errorf("Idle() while the second burst runs = %d, want 0 (it runs on the parked worker)", got)
		}
		close(gate)
		synctest.Wait()
		if got := p.Idle(); got != 1 {
			t.Errorf("Idle() after the second burst = %d, want 1", got)
		}
	})
}

// However many workers ran at once, at most maxIdle stay parked; the
// others exit.
func TestPoolBoundsIdleWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const maxIdle = 3
		p := New(maxIdle, idleTime)
		defer p.Close()
		gate := make(chan struct{})
		var started sync.WaitGroup
		for range maxIdle + 5 {
			started.Add(1)
			p.Go(Func(func() { started.Done(); <-gate }))
		}
		started.Wait() // all run at once: none was parked to take them
		close(gate)
		synctest.Wait()
		if got := p.Idle(); got != maxIdle {
			t.Errorf("Idle() = %d, want %d", got, maxIdle)
		}
	})
}

// A worker blocked in its function delays no other: Go starts another.
func TestPoolBlockedWorkerStallsNoOther(t *testing.T) {
	for _, maxIdle := range []int{0, 1} {
		synctest.Test(t, func(t *testing.T) {
			p := New(maxIdle, idleTime)
			defer p.Close()
			p.Go(Func(func() {})) // with maxIdle 1, a parked worker takes the blocker
			synctest.Wait()
			block := make(chan struct{})
			p.Go(Func(func() { <-block }))
			ran := make(chan struct{})
			p.Go(Func(func() { close(ran) }))
			synctest.Wait()
			select {
			case <-ran:
			default:
				t.Errorf("maxIdle %d: a function waits behind a blocked one", maxIdle)
			}
			close(block)
		})
	}
}

// A parked worker exits once it has been parked through a whole round of
// the reaper (a round is idleTime): between idleTime and twice that.
func TestPoolIdleWorkersExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(4, idleTime)
		defer p.Close()
		gate := make(chan struct{})
		p.Go(Func(func() { <-gate }))
		p.Go(Func(func() { <-gate }))
		close(gate)
		synctest.Wait()
		time.Sleep(idleTime + idleTime/2)
		synctest.Wait()
		if got := p.Idle(); got != 2 {
			t.Errorf("Idle() after %v = %d, want 2 (no round has passed since they parked)", idleTime+idleTime/2, got)
		}
		p.Go(Func(func() {})) // takes the last parked worker, which parks again in this round
		synctest.Wait()
		time.Sleep(idleTime)
		synctest.Wait()
		if got := p.Idle(); got != 1 {
			t.Errorf("Idle() a round later = %d, want 1 (the worker parked again stays)", got)
		}
		time.Sleep(idleTime)
		synctest.Wait()
		if got := p.Idle(); got != 0 {
			t.Errorf("Idle() another round later = %d, want 0", got)
		}
		// synctest.Test fails if any worker goroutine is left.
	})
}

// Close dismisses the parked workers at once; Go still runs functions after.
func TestPoolClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(4, time.Hour)
		p.Go(Func(func() {}))
		synctest.Wait()
		p.Close()
		synctest.Wait()
		if got := p.Idle(); got != 0 {
			t.Errorf("Idle() after Close = %d, want 0", got)
		}
		ran := make(chan struct{})
		p.Go(Func(func() { close(ran) }))
		<-ran
		synctest.Wait()
		if got := p.Idle(); got != 0 {
			t.Errorf("Idle() after a Go past Close = %d, want 0", got)
		}
	})
}

// Many goroutines handing work over while workers park and are reaped
// (for -race).
func TestPoolConcurrentUse(t *testing.T) {
	p := New(2, time.Millisecond)
	defer p.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				done := make(chan struct{})
				p.Go(Func(func() { close(done) }))
				<-done
			}
		})
	}
	wg.Wait()
	if got := p.Idle(); got > 2 {
		t.Errorf("Idle() = %d, want at most 2", got)
	}
}

func BenchmarkPool(b *testing.B) {
	b.Run("pool", func(b *testing.B) {
		p := New(8, time.Minute)
		defer p.Close()
		done := make(chan struct{})
		f := func() { done <- struct{}{} }
		b.ReportAllocs()
		for b.Loop() {
			p.Go(Func(f))
			<-done
		}
	})
	b.Run("go", func(b *testing.B) {
		done := make(chan struct{})
		f := func() { done <- struct{}{} }
		b.ReportAllocs()
		for b.Loop() {
			go f()
			<-done
		}
	})
}
