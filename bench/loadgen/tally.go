package loadgen

import (
	"time"

	"golang.org/x/sys/unix"
)

// tally is what one worker counted since the last SetWindow.
type tally struct {
	winStart, winEnd int64 // Unix ns; a delivery counts when its send time is inside

	sent      uint64 // messages whose (intended) send time is in the window
	sentTotal uint64
	dropped   uint64 // sends the generator could not queue (server not reading)

	delivered uint64 // deliveries sent in the window
	before    uint64 // deliveries sent before the window (warm-up)
	after     uint64 // deliveries sent after it
	lat       Hist   // receive time − intended send time, deliveries in the window
	lag       Hist   // actual write time − intended send time (generator lateness)

	tickSeen               bool
	tickSeqMin, tickSeqMax uint64

	// the lobby game
	stateMissing uint64 // ticks charged to the window that never arrived
	stateDup     uint64 // states repeated or out of order
	inputSent    uint64
	inputAcked   uint64
	inputBad     uint64 // acks with the wrong seq, or a tick not after the last state
	inputErr     uint64 // acks {"error": ...}
	inputLat     Hist   // ack time − intended send time, inputs sent in the window
	left         uint64 // `left` events

	disconnects uint64
	firstErr    error
	selfRelay   uint64 // relays delivered back to their sender
	malformed   uint64 // events or acks whose payload the generator could not read
	other       uint64 // packets the generator does not count
	frames      uint64
	bytesIn     uint64
	reads       uint64 // read syscalls that returned data
	lastRecv    int64
}

func (t *tally) countSent(ns int64) {
	t.sentTotal++
	if ns >= t.winStart && ns < t.winEnd {
		t.sent++
	}
}

// countRecv counts one delivery sent at ns and received at now; it reports
// whether the delivery is in the window.
func (t *tally) countRecv(ns, now int64) bool {
	switch {
	case ns < t.winStart:
		t.before++
	case ns >= t.winEnd:
		t.after++
	default:
		t.delivered++
		t.lat.Record(time.Duration(now - ns))
		return true
	}
	return false
}

// Tally is a measurement merged over every worker.
type Tally struct {
	Sent, SentTotal, Dropped uint64
	Delivered, Before, After uint64
	Latency, SendLag         Hist
	TickSeen                 bool
	TickSeqMin, TickSeqMax   uint64
	// The lobby game (Queue, PaceSpec "input"): StateMissing ticks never
	// arrived; StateDup came twice or out of order; Input* count the
	// inputs and their acks (Bad: wrong seq or a tick not after the last
	// state the client had; Err: the server acked an error); Left counts
	// `left` events.
	StateMissing, StateDup                    uint64
	InputSent, InputAcked, InputBad, InputErr uint64
	InputLatency                              Hist
	Left                                      uint64
	Disconnects                               uint64
	FirstErr                                  error
	Malformed, Other, SelfRelay               uint64
	Frames, BytesIn, Reads                    uint64
	LastRecv                                  time.Time
	Conns                                     int // connections still open
}

func (o *Tally) add(t *tally, conns int) {
	o.Sent += t.sent
	o.SentTotal += t.sentTotal
	o.Dropped += t.dropped
	o.Delivered += t.delivered
	o.Before += t.before
	o.After += t.after
	o.Latency.Merge(&t.lat)
	o.SendLag.Merge(&t.lag)
	if t.tickSeen {
		if !o.TickSeen || t.tickSeqMin < o.TickSeqMin {
			o.TickSeqMin = t.tickSeqMin
		}
		if !o.TickSeen || t.tickSeqMax > o.TickSeqMax {
			o.TickSeqMax = t.tickSeqMax
		}
		o.TickSeen = true
	}
	o.StateMissing += t.stateMissing
	o.StateDup += t.stateDup
	o.InputSent += t.inputSent
	o.InputAcked += t.inputAcked
	o.InputBad += t.inputBad
	o.InputErr += t.inputErr
	o.InputLatency.Merge(&t.inputLat)
	o.Left += t.left
	o.Disconnects += t.disconnects
	if o.FirstErr == nil {
		o.FirstErr = t.firstErr
	}
	o.Malformed += t.malformed
	o.SelfRelay += t.selfRelay
	o.Other += t.other
	o.Frames += t.frames
	o.BytesIn += t.bytesIn
	o.Reads += t.reads
	if t.lastRecv != 0 {
		if r := time.Unix(0, t.lastRecv); r.After(o.LastRecv) {
			o.LastRecv = r
		}
	}
	o.Conns += conns
}

// SelfCPU is the CPU time (user + system) the calling process has used.
func SelfCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Merge adds o to t, as if one generator had counted both: what two
// generators connected to two servers of a cluster measured together.
func (t *Tally) Merge(o *Tally) {
	t.Sent += o.Sent
	t.SentTotal += o.SentTotal
	t.Dropped += o.Dropped
	t.Delivered += o.Delivered
	t.Before += o.Before
	t.After += o.After
	t.Latency.Merge(&o.Latency)
	t.SendLag.Merge(&o.SendLag)
	if o.TickSeen {
		if !t.TickSeen || o.TickSeqMin < t.TickSeqMin {
			t.TickSeqMin = o.TickSeqMin
		}
		if !t.TickSeen || o.TickSeqMax > t.TickSeqMax {
			t.TickSeqMax = o.TickSeqMax
		}
		t.TickSeen = true
	}
	t.StateMissing += o.StateMissing
	t.StateDup += o.StateDup
	t.InputSent += o.InputSent
	t.InputAcked += o.InputAcked
	t.InputBad += o.InputBad
	t.InputErr += o.InputErr
	t.InputLatency.Merge(&o.InputLatency)
	t.Left += o.Left
	t.Disconnects += o.Disconnects
	if t.FirstErr == nil {
		t.FirstErr = o.FirstErr
	}
	t.Malformed += o.Malformed
	t.SelfRelay += o.SelfRelay
	t.Other += o.Other
	t.Frames += o.Frames
	t.BytesIn += o.BytesIn
	t.Reads += o.Reads
	if o.LastRecv.After(t.LastRecv) {
		t.LastRecv = o.LastRecv
	}
	t.Conns += o.Conns
}
