package actorio_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// Issue 12 item 10: what Node's io offers for the main namespace without
// io.of("/"), and io.on("new_namespace"), against the official client.

func TestAPIServerShortcutsE2E(t *testing.T) {
	requireSIONode(t)
	for _, tr := range []string{"polling", "websocket"} {
		t.Run("json/"+tr, func(t *testing.T) { testAPIServerShortcuts(t, sioCase{transport: tr, parser: "json"}) })
	}
	t.Run("new namespace/json/websocket", func(t *testing.T) { testAPINewNamespace(t, sioCase{transport: "websocket", parser: "json"}) })
}

func testAPIServerShortcuts(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	joined := make(chan struct{}, 2)
	conns := srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("join", func(room string) {
			s.Join(room)
			joined <- struct{}{}
		})
	})
	p := startPuppet(t, ctx, srv.url, c)
	a, b := p.connect("a", "/"), p.connect("b", "/")
	sioRecv(t, ctx, conns, "a's connection")
	sioRecv(t, ctx, conns, "b's connection")
	p.emit("a", "join", "ra")
	sioRecv(t, ctx, joined, "a's join")

	// Except, Timeout, EmitWithAck.
	if err := srv.Except("ra").Emit("except-ra"); err != nil {
		t.Fatal(err)
	}
	answers := func(as []actorio.Args) []string {
		var out []string
		for _, x := range as {
			out = append(out, answer(t, x))
		}
		slices.Sort(out)
		return out
	}
	got, err := srv.Timeout(e2eTimeout).EmitWithAck(context.Background(), "q")
	if want := []string{"a:q", "b:q"}; !slices.Equal(answers(got), want) || err != nil {
		t.Errorf("Timeout().EmitWithAck(q) = %q, %v; want %q, nil", answers(got), err, want)
	}
	got, err = srv.EmitWithAck(ctx, "q2")
	if want := []string{"a:q2", "b:q2"}; !slices.Equal(answers(got), want) || err != nil {
		t.Errorf("EmitWithAck(q2) = %q, %v; want %q, nil", answers(got), err, want)
	}
	start := time.Now()
	got, err = srv.Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "silent-q")
	if len(got) != 0 || !errors.Is(err, actorio.ErrAckTimeout) || time.Since(start) < 200*time.Millisecond {
		t.Errorf("Timeout(200ms).EmitWithAck(silent-q) = %d answers, %v after %v; want none, ErrAckTimeout after 200ms", len(got), err, time.Since(start))
	}

	// SocketsJoin and SocketsLeave, seen by a broadcast and by the lookup.
	if err := srv.SocketsJoin("j"); err != nil {
		t.Fatal(err)
	}
	if m := srv.Of("/").RoomMembers("j"); !slices.Equal(m, slices.Sorted(slices.Values([]string{a, b}))) {
		t.Errorf("after SocketsJoin(j), RoomMembers(j) = %q, want a and b", m)
	}
	if err := srv.In("j").Emit("in-j"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SocketsLeave("j"); err != nil {
		t.Fatal(err)
	}
	if m := srv.Of("/").RoomMembers("j"); len(m) != 0 {
		t.Errorf("after SocketsLeave(j), RoomMembers(j) = %q, want none", m)
	}
	if err := srv.In("j").Emit("in-j-after-leave"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Volatile().Emit("volatile"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Emit("end"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"a", []string{"q", "q2", "silent-q", "in-j"}},
		{"b", []string{"except-ra", "q", "q2", "silent-q", "in-j"}},
	} {
		got := p.gotBefore(tt.name, "end")
		got = slices.DeleteFunc(got, func(e string) bool { return e == "volatile" }) // may be dropped
		if !slices.Equal(got, tt.want) {
			t.Errorf("socket %s got %q before end, want %q", tt.name, got, tt.want)
		}
	}

	// DisconnectSockets: every socket of "/" is told.
	if err := srv.DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		ev := p.wait(name+" disconnected", func(e puppetEvent) bool { return e.Event == "disconnect" && e.Name == name })
		if ev.Reason != "io server disconnect" {
			t.Errorf("socket %s disconnected with %q, want io server disconnect", name, ev.Reason)
		}
	}
	p.exit()
}

// OnNewNamespace sees each namespace as it is created, by Of or for a
// client by a parent, before that client's middleware, as Node's
// "new_namespace"; not "/", not one that existed before, not twice.
func testAPINewNamespace(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	srv.Of("/before")
	var mu sync.Mutex
	var created []string
	srv.OnNewNamespace(func(n *actorio.Namespace) {
		mu.Lock()
		created = append(created, n.Name())
		mu.Unlock()
		if n.Name() == "/dyn-2" {
			n.Use(func(*actorio.Socket) error {
				return &actorio.ConnectError{Message: "refused by new_namespace"}
			})
		}
	})
	srv.Of("/")
	srv.Of("/before")
	srv.Of("/static")
	srv.Of("static") // the same, as Node's of("static")
	srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(func(*actorio.Socket) {})

	p := startPuppet(t, ctx, srv.url, c)
	p.connect("d1", "/dyn-1")
	p.connect("d1again", "/dyn-1")
	p.do(map[string]any{"op": "connect", "name": "d2", "nsp": "/dyn-2"})
	ev := p.wait("d2 refused", func(e puppetEvent) bool {
		return e.Name == "d2" && (e.Event == "connected" || e.Event == "connect_error")
	})
	if ev.Event != "connect_error" || ev.Message != "refused by new_namespace" {
		t.Errorf("d2 on /dyn-2: %s, want connect_error refused by new_namespace (middleware the callback added applies to the first client)", ev)
	}
	p.do(map[string]any{"op": "connect", "name": "x", "nsp": "/nope"})
	p.wait("x refused", func(e puppetEvent) bool { return e.Name == "x" && e.Event == "connect_error" })
	p.exit()
	testkit.Eventually(t, "the callbacks", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(created) >= 3
	})
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"/static", "/dyn-1", "/dyn-2"}; !slices.Equal(created, want) {
		t.Errorf("OnNewNamespace saw %q, want %q", created, want)
	}
}
