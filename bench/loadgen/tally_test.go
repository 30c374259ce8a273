package loadgen

import (
	"errors"
	"testing"
	"time"
)

// TestTallyMerge: two generators' tallies (the publisher's server and the
// other one of a cluster) add up to what one generator would have counted.
func TestTallyMerge(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	errA, errB := errors.New("a"), errors.New("b")
	mk := func(sent, delivered uint64, lat []time.Duration, last time.Time, err error, seq [2]uint64, conns int) Tally {
		x := Tally{Sent: sent, SentTotal: sent + 1, Delivered: delivered, Before: 1, After: 2, Disconnects: 1,
			FirstErr: err, Malformed: 1, SelfRelay: 1, Other: 1, Frames: 10, BytesIn: 100, Reads: 5, LastRecv: last, Conns: conns,
			StateMissing: 3, StateDup: 1, InputSent: 4, InputAcked: 3, InputBad: 1, InputErr: 1, Left: 1}
		for _, d := range lat {
			x.Latency.Record(d)
			x.SendLag.Record(d / 10)
			x.InputLatency.Record(d * 2)
		}
		if seq != [2]uint64{} {
			x.TickSeen, x.TickSeqMin, x.TickSeqMax = true, seq[0], seq[1]
		}
		return x
	}
	a := mk(10, 50, []time.Duration{time.Millisecond, 2 * time.Millisecond}, t0, nil, [2]uint64{5, 9}, 500)
	b := mk(0, 40, []time.Duration{40 * time.Millisecond}, t0.Add(time.Second), errB, [2]uint64{3, 7}, 499)
	a.Merge(&b)
	want := Tally{Sent: 10, SentTotal: 12, Delivered: 90, Before: 2, After: 4, Disconnects: 2, FirstErr: errB,
		Malformed: 2, SelfRelay: 2, Other: 2, Frames: 20, BytesIn: 200, Reads: 10, LastRecv: t0.Add(time.Second),
		Conns: 999, TickSeen: true, TickSeqMin: 3, TickSeqMax: 9,
		StateMissing: 6, StateDup: 2, InputSent: 8, InputAcked: 6, InputBad: 2, InputErr: 2, Left: 2}
	got := a
	got.Latency, got.SendLag, got.InputLatency = Hist{}, Hist{}, Hist{}
	if got != want {
		t.Errorf("Merge = %+v, want %+v", got, want)
	}
	if n, mx := a.Latency.Count(), a.Latency.Max(); n != 3 || mx < 39*time.Millisecond {
		t.Errorf("merged latency: count %d max %v, want 3 and about 40ms", n, mx)
	}
	if n := a.SendLag.Count(); n != 3 {
		t.Errorf("merged send lag count = %d, want 3", n)
	}
	if n, mx := a.InputLatency.Count(), a.InputLatency.Max(); n != 3 || mx < 79*time.Millisecond {
		t.Errorf("merged input latency: count %d max %v, want 3 and about 80ms", n, mx)
	}
	// The first error seen stays; a later one does not replace it.
	c := mk(0, 0, nil, time.Time{}, errA, [2]uint64{}, 0)
	c.Merge(&b)
	if c.FirstErr != errA {
		t.Errorf("Merge kept FirstErr %v, want %v", c.FirstErr, errA)
	}
	if !c.LastRecv.Equal(b.LastRecv) {
		t.Errorf("Merge LastRecv = %v, want %v", c.LastRecv, b.LastRecv)
	}
}
