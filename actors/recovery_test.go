package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/transport"
)

func TestRecoveryStoreRestoresMissedPacketsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRecoveryStore(2 * time.Minute)
		f := func() *transport.Frames { return transport.NewFrames() }
		seen, mine, other, excluded, all := f(), f(), f(), f(), f()
		r.record("o1", seen, nil, nil, time.Now())
		r.persist("pid", "sid", []string{"sid", "room"}, "data", time.Now())
		time.Sleep(time.Second)
		r.record("o2", mine, []string{"room"}, nil, time.Now())
		r.record("o3", other, []string{"elsewhere"}, nil, time.Now())
		r.record("o4", excluded, nil, []string{"room"}, time.Now())
		r.record("o5", all, nil, nil, time.Now())
		s, missed, ok := r.restore("pid", "o1", time.Now())
		if !ok || s.id != "sid" || s.data != "data" {
			t.Fatalf("restore = %+v, %v", s, ok)
		}
		if len(missed) != 2 || missed[0] != mine || missed[1] != all {
			t.Errorf("missed %d packets, want the room's and the broadcast to all, in order", len(missed))
		}
		if _, _, ok := r.restore("pid", "o1", time.Now()); ok {
			t.Error("a session was restored twice")
		}
	})
}

func TestRecoveryStoreExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRecoveryStore(2 * time.Minute)
		r.record("o1", transport.NewFrames(), nil, nil, time.Now())
		r.persist("pid", "sid", nil, nil, time.Now())
		time.Sleep(2*time.Minute - time.Millisecond)
		if _, _, ok := r.restore("pid", "o1", time.Now()); !ok {
			t.Fatal("expired before maxDisconnectionDuration")
		}
		r.persist("pid", "sid", nil, nil, time.Now())
		time.Sleep(2*time.Minute + time.Millisecond)
		if _, _, ok := r.restore("pid", "o1", time.Now()); ok {
			t.Error("restored after maxDisconnectionDuration")
		}
	})
}

func TestRecoveryStoreUnknownOffset(t *testing.T) {
	r := newRecoveryStore(time.Minute)
	r.persist("pid", "sid", nil, nil, time.Now())
	if _, _, ok := r.restore("pid", "never-sent", time.Now()); ok {
		t.Error("restored from an offset that is not in the buffer")
	}
	if _, _, ok := r.restore("nope", "x", time.Now()); ok {
		t.Error("restored an unknown pid")
	}
}
