package main

import "time"

// schedule places a match's ticks on absolute time: tick n is due at
// start + n*period, whatever time the previous ticks took, so the rate
// does not drift. A loop that wakes late runs the latest tick due and
// skips the ones it missed: tick numbers show the gap, and a snapshot is
// never sent late twice.
type schedule struct {
	start  time.Time
	period time.Duration
	last   int // the last tick run; 0 before the first
}

func newSchedule(start time.Time, period time.Duration) *schedule {
	return &schedule{start: start, period: period}
}

// due reports the tick to run at now: the latest one due, if it comes
// after the last tick run. Calling it records that tick as run.
func (s *schedule) due(now time.Time) (tick int, ok bool) {
	n := s.latest(now)
	if n <= s.last {
		return 0, false // woken early: the next tick is not due yet
	}
	s.last = n
	return n, true
}

// wait is how long from now until the tick after the last one run is due
// (zero if it is due already).
func (s *schedule) wait(now time.Time) time.Duration {
	return max(0, s.at(s.last+1).Sub(now))
}

// applyAt is the tick that will run next, seen from now: an input queued
// now is applied at it. It is exact unless the loop falls more than a
// period behind after now, in which case the input is applied at a later
// tick (never an earlier one).
func (s *schedule) applyAt(now time.Time) int {
	return max(s.last+1, s.latest(now))
}

// at is when tick n is due.
func (s *schedule) at(n int) time.Time { return s.start.Add(time.Duration(n) * s.period) }

// latest is the last tick due at now.
func (s *schedule) latest(now time.Time) int {
	if now.Before(s.start) {
		return 0
	}
	return int(now.Sub(s.start) / s.period)
}
