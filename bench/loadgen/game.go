package loadgen

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The lobby game (bench/README.md, "The lobby game"): a client connects with
// auth {"name": ...} (Config.Auth), emits `queue` (acked {"queued":true}),
// gets `matched` {"match": id, ...} once its match is full, then receives
// `state` {"tick": n, "t": <server Unix ms>, "players": [...]} at every tick
// of its match and emits `input` {"seq", "dx", "dy"} acked {"seq", "tick"}.
//
// A state is read for its tick number and t only, by key (so the fields may
// come in any order), without decoding the players. Tick numbers count
// loss: each client expects every tick of its match; ticks a late server
// loop skipped show up as gaps. A gap between two deliveries is charged to
// the window by interpolating the missing ticks' times between the two
// deliveries' t; a client whose states stop is charged, when collected, one
// tick per period from its last t to the window's end.

// inputAckBase separates input acks (ids from it to ctrlAckBase, the input's
// seq added) from echo acks (below it).
const inputAckBase = 1 << 39

// inputRing is how many inputs in flight per client keep their send time
// for the ack's latency; an ack older than that still counts, untimed.
const inputRing = 16

// gameConn is a client's part in the game; nil on clients of other scenarios.
type gameConn struct {
	match    string        // from `matched`; "" until then
	notify   chan<- string // gets match once
	lastTick uint64        // highest tick received (0: none yet)
	lastT    int64         // its server time, Unix ns
	seq      uint64        // last input sent
	sent     [inputRing]inputSent
}

type inputSent struct {
	seq   uint64
	due   int64  // intended send time, Unix ns
	after uint64 // lastTick when sent: the ack's tick must be later
}

var (
	keyTick    = []byte(`"tick":`)
	keyT       = []byte(`"t":`)
	keySeq     = []byte(`"seq":`)
	keyMatch   = []byte(`"match":"`)
	keyError   = []byte(`"error":`)
	queuedTrue = []byte(`"queued":true`)
)

// numberAfter returns the bytes after key in p (and any spaces), or nil.
func numberAfter(p, key []byte) []byte {
	i := bytes.Index(p, key)
	if i < 0 {
		return nil
	}
	b := p[i+len(key):]
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// parseMillis reads `<ms>[.<fraction>]` (Unix milliseconds) at the start of
// b and returns it in nanoseconds and the bytes it used. Fraction digits past
// the sixth are read and ignored.
func parseMillis(b []byte) (ns int64, n int, ok bool) {
	ms, n := parseUint(b)
	if n == 0 || ms > math.MaxInt64/1_000_000 {
		return 0, 0, false
	}
	ns = int64(ms) * 1e6
	if n < len(b) && b[n] == '.' {
		n++
		for scale := int64(1e5); n < len(b) && b[n] >= '0' && b[n] <= '9'; n++ {
			ns += int64(b[n]-'0') * scale
			scale /= 10
		}
	}
	return ns, n, true
}

// parseState reads the tick number and the server time t of a `state`
// packet.
func parseState(p []byte) (tick uint64, ns int64, ok bool) {
	b := numberAfter(p, keyTick)
	tick, n := parseUint(b)
	if n == 0 {
		return 0, 0, false
	}
	ns, _, ok = parseMillis(numberAfter(p, keyT))
	return tick, ns, ok
}

// parseInputAck reads an input ack's arguments `[{"seq":s,"tick":n}]`;
// failed is set when the server acked {"error": ...}.
func parseInputAck(args []byte) (seq, tick uint64, failed, ok bool) {
	if bytes.Contains(args, keyError) {
		return 0, 0, true, true
	}
	seq, n := parseUint(numberAfter(args, keySeq))
	if n == 0 {
		return 0, 0, false, false
	}
	tick, n = parseUint(numberAfter(args, keyTick))
	if n == 0 {
		return 0, 0, false, false
	}
	return seq, tick, false, true
}

// parseMatch reads the match id of a `matched` packet.
func parseMatch(p []byte) (string, bool) {
	i := bytes.Index(p, keyMatch)
	if i < 0 {
		return "", false
	}
	b := p[i+len(keyMatch):]
	j := bytes.IndexByte(b, '"')
	if j <= 0 {
		return "", false
	}
	return string(b[:j]), true
}

// missingIn counts the ticks between two deliveries (ticks a < k < b, sent
// at ta and tb) whose interpolated send time falls in [ws, we).
func missingIn(a, b uint64, ta, tb, ws, we int64) uint64 {
	gap := b - a - 1
	if gap == 0 {
		return 0
	}
	step := float64(tb-ta) / float64(b-a)
	if step <= 0 {
		if ta >= ws && ta < we {
			return gap
		}
		return 0
	}
	// k-th missing tick (1..gap) at ta + k*step.
	lo := math.Max(1, math.Ceil(float64(ws-ta)/step))
	hi := math.Min(float64(gap), math.Ceil(float64(we-ta)/step)-1)
	if hi < lo {
		return 0
	}
	return uint64(hi - lo + 1)
}

// onState counts one `state`: a delivery (latency from its t), the ticks
// missing before it, or a repeat.
func (c *conn) onState(p []byte, now int64) {
	t := &c.w.t
	g := c.game
	if g == nil {
		t.other++
		return
	}
	tick, ns, ok := parseState(p)
	if !ok {
		t.malformed++
		return
	}
	if g.lastTick != 0 {
		if tick <= g.lastTick {
			if ns >= t.winStart && ns < t.winEnd {
				t.stateDup++
			}
			return
		}
		t.stateMissing += missingIn(g.lastTick, tick, g.lastT, ns, t.winStart, t.winEnd)
	}
	g.lastTick, g.lastT = tick, ns
	t.countRecv(ns, now)
}

// onMatched records the client's match.
func (c *conn) onMatched(p []byte) {
	t := &c.w.t
	g := c.game
	if g == nil {
		t.other++
		return
	}
	id, ok := parseMatch(p)
	if !ok || g.match != "" {
		t.malformed++ // unreadable, or a second `matched`
		return
	}
	g.match = id
	if g.notify != nil {
		g.notify <- id
		g.notify = nil
	}
}

// sendInput emits `42<inputAckBase+seq>["input",{"seq":s,"dx":x,"dy":y}]`
// with random steps, stamped with its intended send time due.
func (c *conn) sendInput(due int64) {
	g := c.game
	if g == nil {
		c.w.t.dropped++
		return
	}
	g.seq++
	g.sent[g.seq%inputRing] = inputSent{seq: g.seq, due: due, after: g.lastTick}
	r := c.maskKey()
	p := append(c.w.pb[:0], '4', '2')
	p = strconv.AppendUint(p, inputAckBase+g.seq, 10)
	p = append(p, `["input",{"seq":`...)
	p = strconv.AppendUint(p, g.seq, 10)
	p = append(p, `,"dx":`...)
	p = strconv.AppendInt(p, int64(r%3)-1, 10)
	p = append(p, `,"dy":`...)
	p = strconv.AppendInt(p, int64(r/3%3)-1, 10)
	p = append(p, '}', ']')
	c.w.pb = p
	c.w.t.inputSent++
	c.sendText(p)
}

// onInputAck checks an input's ack: its seq, and a tick after the last
// state the client had when it sent the input.
func (c *conn) onInputAck(id uint64, args []byte, now int64) {
	t := &c.w.t
	g := c.game
	seq, tick, failed, ok := parseInputAck(args)
	switch {
	case g == nil:
		t.malformed++
		return
	case failed:
		t.inputErr++
		return
	case !ok || seq != id-inputAckBase:
		t.inputBad++
		return
	}
	t.inputAcked++
	if e := g.sent[seq%inputRing]; e.seq == seq {
		if tick <= e.after {
			t.inputBad++
		}
		if e.due >= t.winStart && e.due < t.winEnd {
			t.inputLat.Record(time.Duration(now - e.due))
		}
	}
}

// gameTail counts, for every client of the game on this worker, the ticks
// of the window after the last state it received: a client whose states
// stopped (or that was disconnected) lost them.
func (w *worker) gameTail() uint64 {
	if w.tickHz <= 0 {
		return 0
	}
	var missing uint64
	ws, we := w.t.winStart, w.t.winEnd
	for _, c := range w.game {
		g := c.game
		if g.match == "" {
			continue
		}
		from := max(g.lastT, ws)
		if from < we {
			missing += uint64(float64(we-from) * w.tickHz / 1e9)
		}
	}
	return missing
}

// QueueResult describes a Queue.
type QueueResult struct {
	Queued  int            // clients whose queue was acked {"queued":true}
	Matched int            // clients that got `matched`
	Matches map[string]int // players per match id
	Elapsed time.Duration
}

// Queue makes clients [from, to) join the game: each emits `queue` and
// must be acked {"queued":true}, then must get `matched`. It returns when
// every client is matched, or with an error at the first refusal or at
// timeout. tickHz is the server's tick rate (for the loss of clients whose
// states stop; see Collect).
func (g *Gen) Queue(from, to int, tickHz float64, timeout time.Duration) (QueueResult, error) {
	res := QueueResult{Matches: map[string]int{}}
	start := time.Now()
	n := to - from
	acks := make(chan error, n)
	matched := make(chan string, n)
	for _, w := range g.workers {
		w.do(func() { w.tickHz = tickHz })
	}
	for i := from; i < to; i++ {
		c := g.clients[i]
		c.w.do(func() {
			if c.state != stReady {
				acks <- fmt.Errorf("loadgen: queue: client %d is not connected", c.id)
				return
			}
			if c.game == nil {
				c.game = &gameConn{}
				c.w.game = append(c.w.game, c)
			}
			c.game.notify = matched
			c.ctrlCallRaw("queue", "", func(args []byte) {
				if !bytes.Contains(args, queuedTrue) {
					acks <- fmt.Errorf("loadgen: queue: client %d acked %.200s, want {\"queued\":true}", c.id, args)
					return
				}
				acks <- nil
			})
		})
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for res.Queued < n || res.Matched < n {
		select {
		case err := <-acks:
			if err != nil {
				res.Elapsed = time.Since(start)
				return res, err
			}
			res.Queued++
		case id := <-matched:
			res.Matched++
			res.Matches[id]++
		case <-deadline.C:
			res.Elapsed = time.Since(start)
			return res, fmt.Errorf("loadgen: queue: %d of %d acked, %d matched after %v", res.Queued, n, res.Matched, timeout)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
