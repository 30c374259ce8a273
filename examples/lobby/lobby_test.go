package main

import (
	"errors"
	"slices"
	"testing"
)

func TestLobbyEnqueue(t *testing.T) {
	tests := []struct {
		name    string
		before  func(l *lobby)
		wantErr error
	}{
		{"first time", func(*lobby) {}, nil},
		{"twice", func(l *lobby) { _ = l.enqueue(seat{"a", "A"}) }, errQueued},
		{"while playing", func(l *lobby) { l.playing["a"] = "1" }, errPlaying},
		{"after leaving a match", func(l *lobby) { l.playing["a"] = "1"; l.left("a") }, nil},
		{"after cancelling", func(l *lobby) { _ = l.enqueue(seat{"a", "A"}); l.cancel("a") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLobby(3)
			tt.before(l)
			if err := l.enqueue(seat{"a", "A"}); !errors.Is(err, tt.wantErr) {
				t.Errorf("enqueue(%q) = %v, want %v", "a", err, tt.wantErr)
			}
		})
	}
}

func TestLobbyMatchesInArrivalOrder(t *testing.T) {
	l := newLobby(2)
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		if err := l.enqueue(seat{s, "name-" + s}); err != nil {
			t.Fatalf("enqueue(%q) = %v, want nil", s, err)
		}
	}
	l.cancel("b")
	var got [][]string
	var ids []string
	for {
		id, seats, ok := l.match()
		if !ok {
			break
		}
		ids = append(ids, id)
		var socks []string
		for _, s := range seats {
			socks = append(socks, s.Socket)
			if l.matchOf(s.Socket) != id {
				t.Errorf("matchOf(%q) = %q, want %q", s.Socket, l.matchOf(s.Socket), id)
			}
		}
		got = append(got, socks)
	}
	want := [][]string{{"a", "c"}, {"d", "e"}}
	if !slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(ids, []string{"1", "2"}) {
		t.Errorf("matches %v (ids %v), want %v (ids [1 2])", got, ids, want)
	}
	if len(l.waiting) != 0 || len(l.queued) != 0 {
		t.Errorf("left waiting %v, queued %v, want none", l.waiting, l.queued)
	}
	if l.cancel("a") {
		t.Errorf("cancel(%q) of a playing socket = true, want false", "a")
	}
}
