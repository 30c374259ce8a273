package main

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestGameSeatsSpreadOnTheMiddleRow(t *testing.T) {
	g := newGame([]seat{{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}})
	s := g.step(1, time.Now())
	var got [][2]int
	for _, p := range s.Players {
		got = append(got, [2]int{p.X, p.Y})
	}
	want := [][2]int{{0, 50}, {25, 50}, {50, 50}, {75, 50}}
	if !slices.Equal(got, want) {
		t.Errorf("start positions %v, want %v", got, want)
	}
}

func TestGameInputs(t *testing.T) {
	tests := []struct {
		name    string
		inputs  []input
		wantErr []error // per input
		wantX   int
		wantY   int
	}{
		{"one step", []input{{1, 1, 0}}, []error{nil}, 51, 50},
		{"in order, all at the next tick", []input{{1, 1, 1}, {2, 1, 1}, {3, -1, 0}}, []error{nil, nil, nil}, 51, 52},
		{"no move", []input{{1, 0, 0}}, []error{nil}, 50, 50},
		{"out of range", []input{{1, 2, 0}, {2, 0, -3}}, []error{errBadInput, errBadInput}, 50, 50},
		{"bounded per tick", slices.Repeat([]input{{1, 1, 0}}, maxPendingInputs+1),
			append(slices.Repeat([]error{nil}, maxPendingInputs), errTooManyInputs), 50 + maxPendingInputs, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGame([]seat{{"z", "Z"}, {"a", "A"}}) // a starts at (50,50)
			for i, in := range tt.inputs {
				if err := g.queue("a", in); !errors.Is(err, tt.wantErr[i]) {
					t.Errorf("queue(%+v) = %v, want %v", in, err, tt.wantErr[i])
				}
			}
			if p := g.players[1]; p.x != 50 || p.y != 50 {
				t.Fatalf("moved to (%d,%d) before the tick", p.x, p.y)
			}
			s := g.step(1, time.Now())
			if p := s.Players[1]; p.X != tt.wantX || p.Y != tt.wantY {
				t.Errorf("after tick 1 at (%d,%d), want (%d,%d)", p.X, p.Y, tt.wantX, tt.wantY)
			}
			if s = g.step(2, time.Now()); s.Players[1].X != tt.wantX || s.Players[1].Y != tt.wantY {
				t.Errorf("inputs applied again at tick 2: at (%d,%d)", s.Players[1].X, s.Players[1].Y)
			}
		})
	}
}

func TestGameClampsToTheGrid(t *testing.T) {
	g := newGame([]seat{{"a", "A"}})
	for tick := 1; tick <= 120; tick++ { // from (0,50)
		if err := g.queue("a", input{tick, 1, -1}); err != nil {
			t.Fatalf("queue at tick %d = %v", tick, err)
		}
		g.step(tick, time.Now())
	}
	if p := g.players[0]; p.x != gridSize-1 || p.y != 0 {
		t.Errorf("after 120 moves right and up at (%d,%d), want (%d,0)", p.x, p.y, gridSize-1)
	}
}

func TestGameUnknownOrDroppedPlayer(t *testing.T) {
	g := newGame([]seat{{"a", "A"}})
	if err := g.queue("z", input{1, 1, 0}); !errors.Is(err, errNotPlaying) {
		t.Errorf("queue from a stranger = %v, want %v", err, errNotPlaying)
	}
	_ = g.queue("a", input{1, 1, 0})
	g.drop("a", time.Now().Add(time.Second))
	if err := g.queue("a", input{2, 1, 0}); !errors.Is(err, errNotPlaying) {
		t.Errorf("queue from a dropped player = %v, want %v", err, errNotPlaying)
	}
	if s := g.step(1, time.Now()); s.Players[0].X != 1 || s.Players[0].On {
		t.Errorf("dropped player %+v, want off and moved by the input acked before it dropped", s.Players[0])
	}
}

// A dropped player is held for the grace period (on: false), plays on if
// it comes back in time, and is removed once the grace period has passed.
func TestGameGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 5 * time.Second
		g := newGame([]seat{{"a", "A"}, {"b", "B"}})
		g.drop("a", time.Now().Add(grace))
		g.drop("b", time.Now().Add(grace))
		time.Sleep(grace - time.Millisecond)
		if gone := g.expire(time.Now()); len(gone) != 0 {
			t.Fatalf("expire before the grace period = %v, want none", gone)
		}
		if !g.back("a") {
			t.Fatal("back(a) = false, want true")
		}
		if s := g.step(1, time.Now()); !s.Players[0].On || s.Players[1].On {
			t.Errorf("players %+v, want a on, b off", s.Players)
		}
		time.Sleep(time.Millisecond)
		gone := g.expire(time.Now())
		if !slices.Equal(gone, []seat{{"b", "B"}}) {
			t.Errorf("expire at the grace period = %v, want b", gone)
		}
		if g.back("b") {
			t.Error("back(b) after expiry = true, want false")
		}
		g.drop("a", time.Now().Add(grace))
		time.Sleep(grace)
		if gone := g.expire(time.Now()); !slices.Equal(gone, []seat{{"a", "A"}}) || !g.empty() {
			t.Errorf("expire = %v, empty %v; want a gone and the game empty", gone, g.empty())
		}
	})
}

func TestStateJSON(t *testing.T) {
	g := newGame([]seat{{"a", "Ann"}})
	now := time.UnixMilli(1_767_225_600_123).Add(456789 * time.Nanosecond)
	b, err := json.Marshal(g.step(7, now))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"tick":7,"t":1767225600123.457,"players":[{"name":"Ann","x":0,"y":50,"on":true}]}`
	if string(b) != want {
		t.Errorf("json.Marshal(state) = %s, want %s", b, want)
	}
}
