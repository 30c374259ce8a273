package main

import (
	"errors"
	"math"
	"time"
)

// The game a match plays: each player is a dot on a grid, moved one cell
// per input. game is plain state, owned by one match actor: no locks.

// gridSize is the side of the grid: coordinates run 0..gridSize-1.
const gridSize = 100

// maxPendingInputs bounds the inputs a player may queue for one tick: a
// client that sends faster than the tick rate is told, not buffered.
const maxPendingInputs = 8

var (
	errBadInput      = errors.New("dx and dy must be -1, 0 or 1")
	errNotPlaying    = errors.New("not in a match")
	errTooManyInputs = errors.New("too many inputs for one tick")
)

// input is one move a client asks for.
type input struct {
	Seq int `json:"seq"`
	DX  int `json:"dx"`
	DY  int `json:"dy"`
}

func (in input) valid() bool {
	return in.DX >= -1 && in.DX <= 1 && in.DY >= -1 && in.DY <= 1
}

// seat is a player as the matchmaker hands it to a match.
type seat struct {
	Socket string // the socket id: stable across a recovered reconnection
	Name   string
}

type player struct {
	seat
	x, y      int
	on        bool      // connected
	heldUntil time.Time // while !on: removed once this passes
	pending   []input   // applied, in order, at the next tick
}

// state is the snapshot sent to the match room each tick.
type state struct {
	Tick    int           `json:"tick"`
	T       float64       `json:"t"` // server time, ms since the epoch, 3 decimals
	Players []playerState `json:"players"`
}

type playerState struct {
	Name string `json:"name"`
	X    int    `json:"x"`
	Y    int    `json:"y"`
	On   bool   `json:"on"`
}

type game struct {
	players []*player // in seat order; removed players are cut out
}

// newGame seats the players spread along the middle row, as the Node
// reference does (bench/node/lobby.js).
func newGame(seats []seat) *game {
	g := &game{players: make([]*player, len(seats))}
	for i, s := range seats {
		g.players[i] = &player{seat: s, x: i * gridSize / len(seats), y: gridSize / 2, on: true}
	}
	return g
}

func (g *game) find(socket string) *player {
	for _, p := range g.players {
		if p.Socket == socket {
			return p
		}
	}
	return nil
}

// queue keeps in for the next tick.
func (g *game) queue(socket string, in input) error {
	p := g.find(socket)
	switch {
	case !in.valid():
		return errBadInput
	case p == nil || !p.on:
		return errNotPlaying
	case len(p.pending) >= maxPendingInputs:
		return errTooManyInputs
	}
	p.pending = append(p.pending, in)
	return nil
}

// step applies the queued inputs and returns the snapshot of tick at now.
func (g *game) step(tick int, now time.Time) state {
	s := state{Tick: tick, T: millis(now), Players: make([]playerState, len(g.players))}
	for i, p := range g.players {
		for _, in := range p.pending {
			p.x = clamp(p.x + in.DX)
			p.y = clamp(p.y + in.DY)
		}
		p.pending = p.pending[:0]
		s.Players[i] = playerState{Name: p.Name, X: p.x, Y: p.y, On: p.on}
	}
	return s
}

// drop holds a disconnected player until until. Its queued inputs stay:
// each was acked with the tick it applies at.
func (g *game) drop(socket string, until time.Time) bool {
	p := g.find(socket)
	if p == nil {
		return false
	}
	p.on, p.heldUntil = false, until
	return true
}

// back takes a held player back (its socket was recovered).
func (g *game) back(socket string) bool {
	p := g.find(socket)
	if p == nil {
		return false
	}
	p.on = true
	return true
}

// expire removes the players held past their time and returns them.
func (g *game) expire(now time.Time) []seat {
	var gone []seat
	kept := g.players[:0]
	for _, p := range g.players {
		if !p.on && !now.Before(p.heldUntil) {
			gone = append(gone, p.seat)
			continue
		}
		kept = append(kept, p)
	}
	clear(g.players[len(kept):])
	g.players = kept
	return gone
}

func (g *game) empty() bool { return len(g.players) == 0 }

func clamp(v int) int { return min(max(v, 0), gridSize-1) }

// millis is t in milliseconds since the epoch, rounded to microseconds.
func millis(t time.Time) float64 {
	return math.Round(float64(t.UnixNano())/1e3) / 1e3
}
