package testkit

import (
	"testing"
	"time"
)

// maxPollInterval caps Eventually's backoff: a condition that turns true is
// seen within this much.
const maxPollInterval = 20 * time.Millisecond

// Eventually checks cond until it holds, sleeping between checks (1ms,
// doubling to 20ms), and fails the test after Timeout. It polls a state; to
// wait for an event, receive from a channel (Recv).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, maxPollInterval) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, Timeout)
		}
		time.Sleep(wait)
	}
}

// Recv returns the next value on ch, failing the test if none comes within
// Timeout or ch is closed.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-timer.C:
		t.Fatalf("%s: nothing within %v", what, Timeout)
	}
	panic("not reached: Fatalf does not return")
}
