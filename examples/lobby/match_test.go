package main

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// startMatch connects Ann (a) and Bob (b), queues them and returns the
// matchmaker and the time match 1 started.
func startMatch(w *world, cfg config) (*actor.PID, time.Time) {
	mm := w.spawnMatchmaker(cfg)
	w.send(mm, connected("a", "Ann", false))
	w.send(mm, connected("b", "Bob", false))
	w.send(mm, w.event("a", "queue", "qa"))
	w.send(mm, w.event("b", "queue", "qb"))
	start := time.Now()
	w.take() // joins and matched: TestMatchmakerQueuesAndMatches
	return mm, start
}

// Snapshots go to the room at start + n*period exactly; an input is acked
// with the tick it applies at and shows in that tick's snapshot.
func TestMatchTicksAndInputs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		mm, start := startMatch(w, testCfg)
		p := testCfg.Period
		sleep(p - time.Millisecond)
		w.takeWant("before the first period")
		sleep(time.Millisecond)
		w.takeWant("tick 1", stateLine(1, start.Add(p), `[{"name":"Ann","x":0,"y":50,"on":true},{"name":"Bob","x":50,"y":50,"on":true}]`))

		sleep(10 * time.Millisecond)
		inputs := []struct{ socket, key, arg, want string }{
			{"a", "a1", `{"seq":1,"dx":1,"dy":0}`, `[{"seq":1,"tick":2}]`},
			{"a", "a2", `{"seq":2,"dx":1,"dy":-1}`, `[{"seq":2,"tick":2}]`},
			{"b", "b1", `{"seq":1,"dx":-1,"dy":0}`, `[{"seq":1,"tick":2}]`},
			{"b", "b2", `{"seq":2,"dx":5,"dy":0}`, `[{"error":"dx and dy must be -1, 0 or 1","seq":2}]`},
			{"b", "b3", `"left"`, `[{"error":"input: json: cannot unmarshal string into Go value of type main.input"}]`},
		}
		for _, in := range inputs {
			w.send(mm, w.event(in.socket, "input", in.key, in.arg))
			if got := w.ack(in.key); got != in.want {
				t.Errorf("input %s %s: ack %s, want %s", in.socket, in.arg, got, in.want)
			}
		}
		w.takeWant("inputs are applied at the tick, not before")
		sleep(p - 10*time.Millisecond)
		w.takeWant("tick 2", stateLine(2, start.Add(2*p), `[{"name":"Ann","x":2,"y":49,"on":true},{"name":"Bob","x":49,"y":50,"on":true}]`))
		sleep(p)
		w.takeWant("tick 3: nothing new", stateLine(3, start.Add(3*p), `[{"name":"Ann","x":2,"y":49,"on":true},{"name":"Bob","x":49,"y":50,"on":true}]`))
		w.stop(mm)
	})
}

// A dropped player is held "on": false; recovered, it plays on (and is
// joined to the room again); past the grace period it leaves the room's
// snapshots and "left" goes to the room.
func TestMatchHoldsADroppedPlayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		mm, start := startMatch(w, testCfg)
		p := testCfg.Period
		sleep(10 * time.Millisecond)
		w.send(mm, disconnected("a"))
		w.send(mm, w.event("a", "input", "a1", `{"seq":1,"dx":1,"dy":0}`))
		sleep(p - 10*time.Millisecond)
		w.takeWant("a held", stateLine(1, start.Add(p), `[{"name":"Ann","x":0,"y":50,"on":false},{"name":"Bob","x":50,"y":50,"on":true}]`))
		if got, want := w.ack("a1"), `[{"error":"not in a match","seq":1}]`; got != want {
			t.Errorf("input while dropped: ack %s, want %s", got, want)
		}

		sleep(10 * time.Millisecond)
		w.send(mm, connected("a", "Ann", true))
		sleep(p - 10*time.Millisecond)
		w.takeWant("a recovered", "join a match:1",
			stateLine(2, start.Add(2*p), `[{"name":"Ann","x":0,"y":50,"on":true},{"name":"Bob","x":50,"y":50,"on":true}]`))

		sleep(10 * time.Millisecond)
		w.send(mm, disconnected("b")) // held until start + 2p + 10ms + grace
		held := int((2*p + 10*time.Millisecond + testCfg.Grace) / p)
		sleep(testCfg.Grace - 10*time.Millisecond) // tick held-1 ... the last with Bob
		w.take()
		sleep(p)
		w.takeWant("b let go at the first tick past the grace period", `emit match:1 left [{"name":"Bob"}]`,
			stateLine(held+1, start.Add(time.Duration(held+1)*p), `[{"name":"Ann","x":0,"y":50,"on":true}]`))
		w.stop(mm)
	})
}

// A player the gateway cannot join (it dropped as the match formed) does
// not hold the match back, and is joined when it comes back.
func TestMatchStartsWhenAJoinFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.noJoin["b"] = true
		mm, start := startMatch(w, testCfg)
		w.send(mm, disconnected("b"))
		sleep(testCfg.Period)
		w.takeWant("tick 1", stateLine(1, start.Add(testCfg.Period), `[{"name":"Ann","x":0,"y":50,"on":true},{"name":"Bob","x":50,"y":50,"on":false}]`))
		w.send(mm, connected("b", "Bob", true))
		w.takeWant("b back", "join b match:1")
		w.stop(mm)
	})
}
