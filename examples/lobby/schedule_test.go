package main

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestScheduleDue(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const period = 50 * time.Millisecond
	tests := []struct {
		name     string
		wakes    []time.Duration // since start, in order
		wantRun  []int           // the tick run at each wake, 0: none
		wantWait time.Duration   // after the last wake
	}{
		{"on time", []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}, []int{1, 2, 3}, 50 * time.Millisecond},
		{"a little late: no drift", []time.Duration{53 * time.Millisecond, 104 * time.Millisecond}, []int{1, 2}, 46 * time.Millisecond},
		{"early wake runs nothing", []time.Duration{49 * time.Millisecond, 50 * time.Millisecond}, []int{0, 1}, 50 * time.Millisecond},
		{"late by two periods skips the missed ticks", []time.Duration{50 * time.Millisecond, 170 * time.Millisecond}, []int{1, 3}, 30 * time.Millisecond},
		{"twice in one period runs once", []time.Duration{60 * time.Millisecond, 70 * time.Millisecond}, []int{1, 0}, 30 * time.Millisecond},
		{"before start", []time.Duration{-time.Millisecond}, []int{0}, 51 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule(start, period)
			var now time.Time
			for i, w := range tt.wakes {
				now = start.Add(w)
				tick, ok := s.due(now)
				if !ok {
					tick = 0
				}
				if tick != tt.wantRun[i] {
					t.Errorf("due(start+%v) = %d, want %d", w, tick, tt.wantRun[i])
				}
			}
			if got := s.wait(now); got != tt.wantWait {
				t.Errorf("wait(start+%v) = %v, want %v", tt.wakes[len(tt.wakes)-1], got, tt.wantWait)
			}
		})
	}
}

func TestScheduleApplyAt(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const period = 50 * time.Millisecond
	tests := []struct {
		name string
		last int           // ticks run so far
		now  time.Duration // since start
		want int
	}{
		{"before the first tick", 0, 10 * time.Millisecond, 1},
		{"between ticks", 2, 120 * time.Millisecond, 3},
		{"next tick due, not yet run", 2, 150 * time.Millisecond, 3},
		{"loop two periods behind", 2, 210 * time.Millisecond, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule(start, period)
			s.last = tt.last
			if got := s.applyAt(start.Add(tt.now)); got != tt.want {
				t.Errorf("applyAt(start+%v) after tick %d = %d, want %d", tt.now, tt.last, got, tt.want)
			}
		})
	}
}

// A loop driven by the schedule over fake time keeps the rate whatever each
// tick costs: after 100 periods with 7ms of work per tick, tick 100 runs at
// start + 100 periods exactly.
func TestScheduleNoDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const period = 50 * time.Millisecond
		start := time.Now()
		s := newSchedule(start, period)
		var ran []int
		for len(ran) < 100 {
			time.Sleep(s.wait(time.Now()))
			tick, ok := s.due(time.Now())
			if !ok {
				t.Fatalf("woke at start+%v with no tick due", time.Since(start))
			}
			if got, want := time.Since(start), time.Duration(tick)*period; got != want {
				t.Fatalf("tick %d ran at start+%v, want start+%v", tick, got, want)
			}
			ran = append(ran, tick)
			time.Sleep(7 * time.Millisecond) // the tick's work
		}
		for i, tick := range ran {
			if tick != i+1 {
				t.Fatalf("ticks run %v, want 1..100 without gaps", ran)
			}
		}
	})
}
