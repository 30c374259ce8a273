package actorio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/asynkron/protoactor-go/actor"
)

// Wire-level tests of the Socket.IO API, with a minimal client speaking raw
// frames, so every reply is checked byte for byte.

func startServer(t *testing.T, opts *actorio.Options) (*actorio.Server, string) {
	t.Helper()
	if opts == nil {
		opts = &actorio.Options{}
	}
	if opts.PingInterval == 0 {
		opts.PingInterval, opts.PingTimeout = time.Minute, time.Minute
	}
	srv := actorio.NewServer(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return srv, hs.URL
}

type wireClient struct {
	t *testing.T
	c net.Conn
}

func dialSIO(t *testing.T, base string) *wireClient {
	t.Helper()
	return &wireClient{t: t, c: sioConn(t, base)}
}

func (w *wireClient) send(s string) { w.t.Helper(); send(w.t, w.c, s) }
func (w *wireClient) next() string  { w.t.Helper(); return mustNext(w.t, w.c) }
func (w *wireClient) expect(want string) {
	w.t.Helper()
	if got := w.next(); got != want {
		w.t.Fatalf("got %q, want %q", got, want)
	}
}

// connect joins nsp ("" for "/") and returns the socket id.
func (w *wireClient) connect(nsp string) string {
	w.t.Helper()
	prefix := "40"
	if nsp != "" {
		prefix += nsp + ","
	}
	w.send(prefix)
	reply := w.next()
	var body struct{ SID string }
	if !strings.HasPrefix(reply, prefix) || json.Unmarshal([]byte(reply[len(prefix):]), &body) != nil || body.SID == "" {
		w.t.Fatalf("CONNECT %q answered %q", nsp, reply)
	}
	return body.SID
}

// connected waits until n sockets are connected to nsp.
func waitSockets(t *testing.T, nsp *actorio.Namespace, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d sockets in %s", n, nsp.Name()), func() bool { return nsp.SocketCount() == n })
}

func TestTypedHandlersAndAcks(t *testing.T) {
	srv, base := startServer(t, nil)
	type move struct {
		X, Y int
		Blob []byte `json:"blob"`
	}
	got := make(chan string, 4)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("move", func(name string, m move, ack actorio.Ack) {
			got <- fmt.Sprintf("%s %d,%d %v", name, m.X, m.Y, m.Blob)
			_ = ack.Send("ok", map[string]int{"x": m.X})
			if err := ack.Send("again"); !errors.Is(err, actorio.ErrAckSent) {
				got <- "second ack: " + fmt.Sprint(err)
			}
		})
		_ = s.On("noack", func(ack actorio.Ack) { got <- fmt.Sprint(ack.Send()) })
		_ = s.On("raw", func(a actorio.Args) { got <- fmt.Sprintf("%d %s", a.Len(), a.Raw(0)) })
	})
	c := dialSIO(t, base)
	c.connect("")
	c.send(`4212["move","ann",{"X":1,"Y":2,"blob":"AQI="}]`)
	c.expect(`4312["ok",{"x":1}]`)
	if g := testkit.Recv(t, got, "the move handler"); g != "ann 1,2 [1 2]" {
		t.Errorf("handler got %q", g)
	}
	c.send(`451-13["move","bob",{"X":3,"Y":4,"blob":{"_placeholder":true,"num":0}}]`)
	_ = writeBinary(c.c, []byte{9, 8})
	c.expect(`4313["ok",{"x":3}]`)
	if g := testkit.Recv(t, got, "the binary move handler"); g != "bob 3,4 [9 8]" {
		t.Errorf("binary handler got %q", g)
	}
	c.send(`42["noack"]`)
	if g := testkit.Recv(t, got, "the noack handler"); g != actorio.ErrNoAck.Error() {
		t.Errorf("ack without request = %q", g)
	}
	c.send(`42["raw",{"b":1,"a":[2]},3]`)
	if g := testkit.Recv(t, got, "the raw handler"); g != `2 {"b":1,"a":[2]}` {
		t.Errorf("raw args = %q", g)
	}
}

func TestServerEmitWithAck(t *testing.T) {
	srv, base := startServer(t, nil)
	sockets := make(chan *actorio.Socket, 1)
	srv.OnConnection(func(s *actorio.Socket) { sockets <- s })
	c := dialSIO(t, base)
	c.connect("")
	s := testkit.Recv(t, sockets, "the connection handler")
	result := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		args, err := s.EmitWithAck(ctx, "question", 41)
		var n int
		if err == nil {
			err = args.Decode(0, &n)
		}
		result <- fmt.Sprint(n, err)
	}()
	c.expect(`420["question",41]`) // ids count per namespace, from 0
	c.send(`430[42]`)
	if r := testkit.Recv(t, result, "EmitWithAck"); r != "42 <nil>" {
		t.Errorf("EmitWithAck = %s", r)
	}
	// Unanswered: the context ends it; the late ack is ignored.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(ctx, "question", 1)
		errc <- err
	}()
	c.expect(`421["question",1]`)
	if err := testkit.Recv(t, errc, "the unanswered EmitWithAck"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered EmitWithAck error = %v", err)
	}
	c.send(`431[1]`)
	if err := s.Emit("after", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["after",1]`)
}

func TestBroadcastWithAcks(t *testing.T) {
	srv, base := startServer(t, nil)
	clients := []*wireClient{dialSIO(t, base), dialSIO(t, base), dialSIO(t, base)}
	for _, c := range clients {
		c.connect("")
	}
	waitSockets(t, srv.Of("/"), 3)

	done := make(chan error, 1)
	var answers []actorio.Args
	go func() {
		var err error
		// Long enough for two answers on a loaded machine; the timeout's
		// exactness is tested in fake time (acktimeout_synctest_test.go).
		answers, err = srv.Of("/").Timeout(2*time.Second).EmitWithAck(context.Background(), "vote")
		done <- err
	}()
	for i, c := range clients {
		c.expect(`420["vote"]`) // one packet, one id, for everyone
		if i < 2 {
			c.send(fmt.Sprintf(`430["yes",%d]`, i))
		}
	}
	if err := testkit.Recv(t, done, "the broadcast with a silent client"); !errors.Is(err, actorio.ErrAckTimeout) || len(answers) != 2 {
		t.Fatalf("with one silent client: %d answers, %v; want 2 and ErrAckTimeout", len(answers), err)
	}

	go func() {
		var err error
		answers, err = srv.Of("/").EmitWithAck(context.Background(), "vote")
		done <- err
	}()
	for _, c := range clients {
		c.expect(`421["vote"]`)
		c.send(`431["yes"]`)
	}
	if err := testkit.Recv(t, done, "the broadcast all answer"); err != nil || len(answers) != 3 {
		t.Fatalf("all answering: %d answers, %v", len(answers), err)
	}
}

func TestRoomsAndOperators(t *testing.T) {
	srv, base := startServer(t, nil)
	ids := make(chan *actorio.Socket, 3)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("join", func(room string) { s.Join(room) })
		_ = s.On("relay", func(room string, a actorio.Args) {})
		_ = s.On("shout", func(room string) { _ = s.To(room).Emit("shout", s.ID()) })
		_ = s.On("join-then-emit", func() {
			s.Join("fresh")
			_ = srv.To("fresh").Emit("welcome")
		})
		ids <- s
	})
	a, b, c := dialSIO(t, base), dialSIO(t, base), dialSIO(t, base)
	ida, idb := a.connect(""), b.connect("")
	c.connect("")
	for range 3 {
		testkit.Recv(t, ids, "three connection handlers")
	}
	a.send(`42["join","r"]`)
	b.send(`42["join","r"]`)
	eventually(t, "two members in r", func() bool { return srv.Of("/").RoomSize("r") == 2 })

	a.send(`42["shout","r"]`) // socket.to: the sender is left out
	b.expect(`42["shout","` + ida + `"]`)
	_ = srv.To("r").Emit("all-r")
	a.expect(`42["all-r"]`)
	b.expect(`42["all-r"]`)
	_ = srv.Of("/").Except("r").Emit("not-r")
	c.expect(`42["not-r"]`)
	_ = srv.To("r", idb).Except(ida).Emit("once") // union, de-duplicated, minus a
	b.expect(`42["once"]`)
	_ = srv.Emit("everyone")
	for _, x := range []*wireClient{a, b, c} {
		x.expect(`42["everyone"]`) // also proves a and c got nothing in between
	}
	c.send(`42["join-then-emit"]`)
	c.expect(`42["welcome"]`)

	fetched, err := srv.Of("/").To("r").FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range fetched {
		got = append(got, s.ID)
		if !slices.Contains(s.Rooms, "r") || !slices.Contains(s.Rooms, s.ID) {
			t.Errorf("rooms of %s = %v", s.ID, s.Rooms)
		}
	}
	slices.Sort(got)
	want := []string{ida, idb}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("FetchSockets(r) = %v, want %v", got, want)
	}
	_ = srv.Of("/").Except("r").SocketsJoin("late")
	eventually(t, "c joined late", func() bool { return srv.Of("/").RoomSize("late") == 1 })
	_ = srv.To("late").DisconnectSockets(false)
	c.expect("41")
}

func TestPacketMiddlewareAndCatchAll(t *testing.T) {
	srv, base := startServer(t, nil)
	var mu sync.Mutex
	var seen []string
	record := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	srv.OnConnection(func(s *actorio.Socket) {
		s.Use(func(event string, _ actorio.Args) error {
			if event == "forbidden" {
				return errors.New("not allowed")
			}
			return nil
		})
		s.OnError(func(err error) { record("error:" + err.Error()) })
		off := s.OnAny(func(event string, _ actorio.Args) { record("any:" + event) })
		s.PrependAny(func(event string, _ actorio.Args) { record("first:" + event) })
		s.OnAnyOutgoing(func(event string, _ []any) { record("out:" + event) })
		_ = s.On("stop-any", func() { off() })
		_ = s.On("echo", func(a actorio.Args) { _ = s.Emit("echo", a.Forward()...) })
	})
	c := dialSIO(t, base)
	c.connect("")
	c.send(`42["forbidden"]`)
	c.send(`42["stop-any"]`)
	c.send(`42["echo",1]`)
	c.expect(`42["echo",1]`)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"error:not allowed", "first:stop-any", "any:stop-any", "first:echo", "out:echo"}
	if !slices.Equal(seen, want) {
		t.Errorf("seen %q, want %q", seen, want)
	}
}

func TestDynamicNamespaces(t *testing.T) {
	srv, base := startServer(t, &actorio.Options{CleanupEmptyChildNamespaces: true})
	games := srv.OfRegexp(regexp.MustCompile(`^/game-\d+$`))
	games.Use(func(s *actorio.Socket) error {
		if string(s.Handshake().Auth) == `{"banned":true}` {
			return &actorio.ConnectError{Message: "banned", Data: map[string]int{"code": 7}}
		}
		return nil
	})
	games.OnConnection(func(s *actorio.Socket) { _ = s.Emit("welcome", s.Namespace().Name()) })
	srv.OfFunc(func(name string, auth json.RawMessage) bool {
		return strings.HasPrefix(name, "/org-") && string(auth) == `{"ok":1}`
	})

	c := dialSIO(t, base)
	c.connect("/game-12")
	c.expect(`42/game-12,["welcome","/game-12"]`)
	c.send(`40/game-x,`)
	c.expect(`44/game-x,{"message":"Invalid namespace"}`)
	c.send(`40/game-13,{"banned":true}`)
	c.expect(`44/game-13,{"message":"banned","data":{"code":7}}`)
	c.send(`40/org-a,{"ok":1}`)
	if got := c.next(); !strings.HasPrefix(got, `40/org-a,{"sid":"`) {
		t.Errorf("func parent refused: %q", got)
	}
	if n := len(games.Children()); n != 2 { // game-12 and the refused game-13
		t.Errorf("children = %d", n)
	}
	_ = games.Emit("tick")
	c.expect(`42/game-12,["tick"]`)
	c.send(`41/game-12,`)
	eventually(t, "empty child cleaned up", func() bool {
		for _, n := range games.Children() {
			if n.Name() == "/game-12" {
				return false
			}
		}
		return true
	})
	c.connect("/game-12") // created again on demand
	c.expect(`42/game-12,["welcome","/game-12"]`)
}

func TestServerDisconnectReasons(t *testing.T) {
	srv, base := startServer(t, nil)
	reasons := make(chan string, 8)
	sockets := make(chan *actorio.Socket, 4)
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("room")
		s.OnDisconnecting(func(reason string) { reasons <- fmt.Sprintf("disconnecting %s %d", reason, len(s.Rooms())) })
		s.OnDisconnect(func(reason string) { reasons <- reason })
		sockets <- s
	})
	expect := func(want ...string) {
		t.Helper()
		for _, w := range want {
			select {
			case got := <-reasons:
				if got != w {
					t.Errorf("reason %q, want %q", got, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %q", w)
			}
		}
	}
	c := dialSIO(t, base)
	c.connect("")
	testkit.Recv(t, sockets, "the connection handler").Disconnect(false)
	c.expect("41")
	expect("disconnecting server namespace disconnect 2", "server namespace disconnect")

	c.connect("")
	c.send("41")
	testkit.Recv(t, sockets, "the connection handler")
	expect("disconnecting client namespace disconnect 2", "client namespace disconnect")

	c.connect("")
	testkit.Recv(t, sockets, "the connection handler").Disconnect(true) // as Node: a DISCONNECT, then the connection closes
	c.expect("41")
	expect("disconnecting server namespace disconnect 2", "server namespace disconnect")

	d := dialSIO(t, base)
	d.connect("")
	testkit.Recv(t, sockets, "the connection handler")
	d.c.Close()
	expect("disconnecting transport close 2", "transport close")
}

func TestReservedEventsRefused(t *testing.T) {
	srv, _ := startServer(t, nil)
	var re *actorio.ReservedEventError
	if err := srv.Emit("disconnect"); !errors.As(err, &re) {
		t.Errorf("Emit(disconnect) = %v", err)
	}
}

func TestRoomEvents(t *testing.T) {
	srv, base := startServer(t, nil)
	events := make(chan actorio.RoomEvent, 16)
	srv.Of("/").OnRoomEvent(func(e actorio.RoomEvent) {
		if e.Room == "r" {
			events <- e
		}
	})
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("join", func(room string) { s.Join(room) })
		_ = s.On("leave", func(room string) { s.Leave(room) })
	})
	c := dialSIO(t, base)
	id := c.connect("")
	c.send(`42["join","r"]`)
	c.send(`42["leave","r"]`)
	want := []actorio.RoomEvent{{"create-room", "r", ""}, {"join-room", "r", id}, {"leave-room", "r", id}, {"delete-room", "r", ""}}
	for _, w := range want {
		select {
		case got := <-events:
			if got != w {
				t.Errorf("event %+v, want %+v", got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %+v", w)
		}
	}
}

// Unicasts and broadcasts from one goroutine reach a client in call order,
// as in Node: both go through the session's Sink.
func TestUnicastAndBroadcastKeepOrder(t *testing.T) {
	srv, base := startServer(t, nil)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("go", func() {
			for i := range 50 {
				_ = s.Emit("n", i)
				_ = srv.Emit("n", -i)
			}
		})
	})
	c := dialSIO(t, base)
	c.connect("")
	c.send(`42["go"]`)
	for i := range 50 {
		c.expect(fmt.Sprintf(`42["n",%d]`, i))
		c.expect(fmt.Sprintf(`42["n",%d]`, -i))
	}
}

// EmitWithAck called from inside a handler waits without blocking the
// session actor that must read the answer.
func TestEmitWithAckInsideHandler(t *testing.T) {
	srv, base := startServer(t, nil)
	result := make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("ask-me", func(ack actorio.Ack) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "confirm")
			var yes bool
			if err == nil {
				err = args.Decode(0, &yes)
			}
			_ = ack.Send(yes)
			result <- fmt.Sprint(yes, err)
		})
	})
	c := dialSIO(t, base)
	c.connect("")
	c.send(`427["ask-me"]`)
	c.expect(`420["confirm"]`)
	c.send(`430[true]`)
	c.expect(`437[true]`)
	if r := testkit.Recv(t, result, "the ask-me handler"); r != "true <nil>" {
		t.Errorf("handler saw %s", r)
	}
}

// A panicking handler costs only its own socket.
func TestHandlerPanicCostsOnlyThatSocket(t *testing.T) {
	srv, base := startServer(t, nil)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("boom", func() { panic("user bug") })
		_ = s.On("ping", func(ack actorio.Ack) { _ = ack.Send("pong") })
	})
	bad, good := dialSIO(t, base), dialSIO(t, base)
	bad.connect("")
	good.connect("")
	bad.send(`42["boom"]`)
	bad.expect("41") // disconnected from the namespace
	good.send(`421["ping"]`)
	good.expect(`431["pong"]`)
}

// Options.ActorSystem is used as it is: Actorio starts no second system.
func TestUsesTheUsersActorSystem(t *testing.T) {
	system := actor.NewActorSystem()
	srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{ActorSystem: system}})
	defer srv.Close()
	if srv.ActorSystem() != system {
		t.Error("the server runs its own actor system")
	}
	if srv.Of("/").PID().Address != system.Address() {
		t.Error("the namespace actor lives in another system")
	}
}

func TestServeClient(t *testing.T) {
	_, base := startServer(t, &actorio.Options{ClientDir: "node_modules/socket.io-client/dist"})
	status, body := do(t, "GET", base+"/socket.io/socket.io.js", "")
	if status != 200 || !strings.Contains(body, "Socket.IO") {
		t.Errorf("socket.io.js = %d, %.60q", status, body)
	}
	if status, _ := do(t, "GET", base+"/socket.io/../go.mod", ""); status == 200 {
		t.Error("a path outside the bundle list was served")
	}
	if status, _ := do(t, "GET", base+"/socket.io/?EIO=4&transport=polling", ""); status != 200 {
		t.Error("the Engine.IO handshake is no longer reachable")
	}
}
