package main

import (
	"errors"
	"strconv"
)

// lobby is the matchmaker's state: who waits, who plays in which match.
// Plain state, owned by the matchmaker actor: no locks.

var (
	errQueued  = errors.New("already queued")
	errPlaying = errors.New("already in a match")
)

type lobby struct {
	size    int               // players per match
	waiting []seat            // in arrival order
	queued  map[string]bool   // socket ids in waiting
	playing map[string]string // socket id -> match id
	matches int               // matches formed: the next id
}

func newLobby(size int) *lobby {
	return &lobby{size: size, queued: map[string]bool{}, playing: map[string]string{}}
}

// enqueue puts s in line, once.
func (l *lobby) enqueue(s seat) error {
	switch {
	case l.queued[s.Socket]:
		return errQueued
	case l.playing[s.Socket] != "":
		return errPlaying
	}
	l.waiting = append(l.waiting, s)
	l.queued[s.Socket] = true
	return nil
}

// match forms a match of the first size players in line, if there are
// enough, and records them as playing in it.
func (l *lobby) match() (id string, seats []seat, ok bool) {
	if len(l.waiting) < l.size {
		return "", nil, false
	}
	l.matches++
	id = strconv.Itoa(l.matches)
	seats = append([]seat(nil), l.waiting[:l.size]...)
	l.waiting = append(l.waiting[:0], l.waiting[l.size:]...)
	for _, s := range seats {
		delete(l.queued, s.Socket)
		l.playing[s.Socket] = id
	}
	return id, seats, true
}

// cancel takes a socket out of the line (it disconnected while waiting).
func (l *lobby) cancel(socket string) bool {
	if !l.queued[socket] {
		return false
	}
	delete(l.queued, socket)
	for i, s := range l.waiting {
		if s.Socket == socket {
			l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
			break
		}
	}
	return true
}

// left records that a player's match let it go.
func (l *lobby) left(socket string) { delete(l.playing, socket) }

// endMatch lets go of the players a match still had (it stopped).
func (l *lobby) endMatch(id string) {
	for socket, m := range l.playing {
		if m == id {
			delete(l.playing, socket)
		}
	}
}

// matchOf is the match socket plays in ("" if none).
func (l *lobby) matchOf(socket string) string { return l.playing[socket] }
