package main

import (
	"testing"
	"testing/synctest"
)

// The matchmaker puts sockets in line once, forgets one that drops while
// waiting, forms a match of MatchSize in arrival order, and routes inputs
// to the match (which acks them) or refuses them.
func TestMatchmakerQueuesAndMatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		cfg := testCfg
		cfg.MatchSize = 3
		mm := w.spawnMatchmaker(cfg)
		for _, c := range [][2]string{{"a", "Ann"}, {"b", "Bob"}, {"c", "Cid"}, {"d", "Dee"}, {"e", "Eve"}} {
			w.send(mm, connected(c[0], c[1], false))
		}
		steps := []struct{ socket, event, key, arg string }{
			{"a", "queue", "a1", ""},
			{"a", "queue", "a2", ""},
			{"b", "queue", "b1", ""},
			{"b", "", "", ""}, // b drops while waiting
			{"c", "queue", "c1", ""},
			{"e", "input", "e1", `{"seq":1,"dx":1,"dy":0}`},
			{"d", "queue", "d1", ""}, // the third in line: a match
			{"a", "queue", "a3", ""},
			{"c", "input", "c2", `{"seq":7,"dx":0,"dy":1}`},
			{"e", "dance", "e2", ""},
		}
		for _, s := range steps {
			switch {
			case s.event == "":
				w.send(mm, disconnected(s.socket))
			case s.arg == "":
				w.send(mm, w.event(s.socket, s.event, s.key))
			default:
				w.send(mm, w.event(s.socket, s.event, s.key, s.arg))
			}
		}
		wantAcks := []struct{ key, want string }{
			{"a1", `[{"queued":true}]`},
			{"a2", `[{"error":"already queued","queued":false}]`},
			{"b1", `[{"queued":true}]`},
			{"c1", `[{"queued":true}]`},
			{"e1", `[{"error":"not in a match"}]`},
			{"d1", `[{"queued":true}]`},
			{"a3", `[{"error":"already in a match","queued":false}]`},
			{"c2", `[{"seq":7,"tick":1}]`}, // acked by the match
			{"e2", `[{"error":"unknown event dance"}]`},
		}
		for _, a := range wantAcks {
			if got := w.ack(a.key); got != a.want {
				t.Errorf("ack %s = %s, want %s", a.key, got, a.want)
			}
		}
		w.takeWant("match formed",
			"join a match:1", "join c match:1", "join d match:1",
			`emit a matched [{"match":"1","room":"match:1","players":["Ann","Cid","Dee"],"you":0}]`,
			`emit c matched [{"match":"1","room":"match:1","players":["Ann","Cid","Dee"],"you":1}]`,
			`emit d matched [{"match":"1","room":"match:1","players":["Ann","Cid","Dee"],"you":2}]`)
		w.stop(mm)
	})
}

// A match ends when its last player is gone; the matchmaker forgets it and
// its inputs are refused.
func TestMatchmakerForgetsAnEndedMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		mm := w.spawnMatchmaker(testCfg)
		w.send(mm, connected("a", "Ann", false))
		w.send(mm, connected("b", "Bob", false))
		w.send(mm, w.event("a", "queue", "a1"))
		w.send(mm, w.event("b", "queue", "b1"))
		ended := w.watch(w.system.NewLocalPID("lobby/match-1"))
		w.send(mm, disconnected("a"))
		w.send(mm, disconnected("b"))
		w.take()
		sleep(testCfg.Grace + testCfg.Period)
		select {
		case <-ended:
		default:
			t.Error("the match actor did not stop when its last player left")
		}
		w.takeWantNoState("both players held past the grace period",
			`emit match:1 left [{"name":"Ann"}]`, `emit match:1 left [{"name":"Bob"}]`)
		w.send(mm, w.event("a", "input", "a2", `{"seq":1,"dx":1,"dy":0}`))
		if got, want := w.ack("a2"), `[{"error":"not in a match"}]`; got != want {
			t.Errorf("input after the match ended: ack %s, want %s", got, want)
		}
		sleep(10 * testCfg.Period)
		w.takeWant("after the match ended")
		w.stop(mm)
	})
}
