package actorio_test

import (
	"slices"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// Issue 12 item 8: lookups of this server's sockets and rooms, answered by
// the namespace actor, and Engine.ClientsCount, as clients of the official
// client come and go.

func TestAPILookupsE2E(t *testing.T) {
	requireSIONode(t)
	for _, tr := range []string{"polling", "websocket"} {
		t.Run("json/"+tr, func(t *testing.T) { testAPILookups(t, sioCase{transport: tr, parser: "json"}) })
	}
}

// lookupState is what the lookups answer at one moment.
type lookupState struct {
	sockets []string // Sockets(), ids sorted
	rooms   []string
	members map[string][]string // RoomMembers, for the rooms asked
	clients int
}

func readLookups(srv *actorio.Server, rooms ...string) lookupState {
	nsp := srv.Of("/")
	st := lookupState{rooms: nsp.Rooms(), members: map[string][]string{}, clients: srv.Engine().ClientsCount()}
	for _, s := range nsp.Sockets() {
		st.sockets = append(st.sockets, s.ID())
	}
	slices.Sort(st.sockets)
	for _, r := range rooms {
		st.members[r] = nsp.RoomMembers(r)
	}
	return st
}

func testAPILookups(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	joined := make(chan struct{}, 2)
	conns := srv.connections("/", func(s *actorio.Socket) {
		s.Join("all")
		_ = s.On("join", func(room string) {
			s.Join(room)
			joined <- struct{}{}
		})
	})
	if n := srv.Engine().ClientsCount(); n != 0 {
		t.Errorf("ClientsCount() before any client = %d, want 0", n)
	}
	p := startPuppet(t, ctx, srv.url, c)
	a, b := p.connect("a", "/"), p.connect("b", "/")
	sioRecv(t, ctx, conns, "a's connection")
	sioRecv(t, ctx, conns, "b's connection")
	p.emit("a", "join", "r1")
	sioRecv(t, ctx, joined, "a's join")

	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	got := readLookups(srv.Server, "r1", "all", "none", a)
	for _, tt := range []struct {
		what      string
		got, want []string
	}{
		{"Sockets()", got.sockets, sorted(a, b)},
		{"Rooms()", got.rooms, sorted("all", "r1", a, b)},
		{`RoomMembers("r1")`, got.members["r1"], []string{a}},
		{`RoomMembers("all")`, got.members["all"], sorted(a, b)},
		{`RoomMembers("none")`, got.members["none"], nil},
		{"RoomMembers(a's id)", got.members[a], []string{a}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	if got.clients != 2 {
		t.Errorf("ClientsCount() = %d, want 2 (a connection each)", got.clients)
	}
	if s, ok := srv.Of("/").Socket(a); !ok || s.ID() != a || !s.Connected() {
		t.Errorf("Socket(%q) = %v, %v; want a's connected socket", a, s, ok)
	}
	if s, ok := srv.Of("/").Socket("no-such-id"); ok || s != nil {
		t.Errorf("Socket(%q) = %v, %v; want nil, false", "no-such-id", s, ok)
	}
	if s, ok := srv.Of("/other").Socket(a); ok {
		t.Errorf("Of(/other).Socket(%q) = %v, true; want false (a is on /)", a, s)
	}

	// b leaves: every lookup forgets it, and its session ends.
	p.do(map[string]any{"op": "disconnect", "name": "b"})
	testkit.Eventually(t, "b gone from the lookups", func() bool {
		_, found := srv.Of("/").Socket(b)
		st := readLookups(srv.Server, "all")
		return !found && slices.Equal(st.sockets, []string{a}) && slices.Equal(st.members["all"], []string{a}) &&
			!slices.Contains(st.rooms, b) && st.clients == 1
	})
	p.exit()
	testkit.Eventually(t, "ClientsCount() back to 0", func() bool { return srv.Engine().ClientsCount() == 0 })
}
