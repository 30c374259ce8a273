package actorio_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// These tests drive the Socket.IO server on a loopback port with the
// official npm socket.io-client (and socket.io-msgpack-parser for the
// msgpack runs), run by Node from testdata/e2e/sio_client.js: one script
// invocation per scenario. They use the Engine.IO end-to-end harness of
// engine_e2e_test.go (requireNode, e2eContext, nodeRun, syncBuffer) and
// need the same things: `node` on PATH and the repository's node_modules.
//
// Checks of bugs these tests once found are grouped (sioBugs), so that a
// regression names the bug; they fail like any other check.

const sioE2EScript = "testdata/e2e/sio_client.js"

// sioCase is one run's client configuration.
type sioCase struct {
	transport string // polling, websocket, or default (polling, then the upgrade)
	parser    string // json or msgpack
}

// options are the server's options for c; no heartbeat gets in the way.
func (c sioCase) options() actorio.Options {
	var o actorio.Options
	o.PingInterval, o.PingTimeout = 10*time.Second, 10*time.Second
	if c.parser == "msgpack" {
		o.Parser = actorio.ParserMsgpack
	}
	return o
}

// finalTransport is the transport the client ends up on.
func (c sioCase) finalTransport() string {
	if c.transport == "default" {
		return "websocket"
	}
	return c.transport
}

func TestSIOE2E(t *testing.T) {
	requireSIONode(t)

	all := []string{"polling", "websocket", "default"}
	each := func(name string, parsers, transports []string, f func(*testing.T, sioCase)) {
		for _, p := range parsers {
			for _, tr := range transports {
				c := sioCase{transport: tr, parser: p}
				t.Run(name+"/"+p+"/"+tr, func(t *testing.T) { f(t, c) })
			}
		}
	}
	jsonOnly, both := []string{"json"}, []string{"json", "msgpack"}

	each("connect", both, all, testSIOConnect)
	each("namespaces", jsonOnly, all, testSIONamespaces)
	each("connect error", both, all, testSIOConnectError)
	each("events", both, all, testSIOEvents)
	each("server ack", both, all, testSIOServerAck)
	each("rooms", jsonOnly, all, testSIORooms)
	each("join then emit", jsonOnly, all, testSIOJoinThenEmit)
	each("volatile", jsonOnly, []string{"websocket"}, testSIOVolatile)
	for _, mode := range []string{"client", "server", "close", "engine", "kill"} {
		each("disconnect "+mode, jsonOnly, all, func(t *testing.T, c sioCase) { testSIODisconnect(t, c, mode) })
	}
	each("payload limit", jsonOnly, all, testSIOPayloadLimit)
}

// requireSIONode fails, rather than skips, when the client cannot run.
func requireSIONode(t *testing.T) {
	t.Helper()
	requireNode(t)
	for _, pkg := range []string{"socket.io-client", "socket.io-msgpack-parser"} {
		if _, err := os.Stat("node_modules/" + pkg + "/package.json"); err != nil {
			t.Fatalf("%s is not installed (%v): run npm ci (or make deps) in the repository root", pkg, err)
		}
	}
}

// Scenario 1 (and 11): the auth payload, the socket id, the handshake.
func testSIOConnect(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	leaves := make(chan sioLeave, 4)
	conns := srv.connections("/", func(s *actorio.Socket) {
		recordLeaves(s, leaves)
		if err := s.Emit("ready", s.ID(), s.Handshake().Auth); err != nil {
			t.Errorf("Emit(ready): %v", err)
		}
	})
	var res struct {
		ID        string
		Server    json.RawMessage
		Transport string
		Reason    string
	}
	startSIONode(t, ctx, srv.url, "connect", c).result(ctx, &res)

	s := sioRecv(t, ctx, conns, "the connection handler")
	hs := s.Handshake()
	if got := sioCanon(t, hs.Auth); got != `{"token":"abc"}` {
		t.Errorf("Handshake().Auth = %s, want {\"token\":\"abc\"}", got)
	}
	if s.ID() != res.ID || len(res.ID) == 0 {
		t.Errorf("client's socket.id = %q, server's Socket.ID() = %q; want the same", res.ID, s.ID())
	}
	if hs.Query.Get("EIO") != "4" || hs.Address == "" || hs.Headers == nil || hs.Time.IsZero() {
		t.Errorf("Handshake() = {Query: %v, Address: %q, Headers: %d, Time: %v}, want EIO=4 in the query, an address, headers and a time",
			hs.Query, hs.Address, len(hs.Headers), hs.Time)
	}
	if got, want := sioCanon(t, res.Server), sioCanon(t, []any{s.ID(), map[string]string{"token": "abc"}}); got != want {
		t.Errorf("client got ready %s, want %s", got, want)
	}
	if res.Transport != c.finalTransport() {
		t.Errorf("client's transport at the end = %q, want %q", res.Transport, c.finalTransport())
	}
	if res.Reason != "io client disconnect" {
		t.Errorf("client's disconnect reason = %q, want io client disconnect", res.Reason)
	}
	checkLeaves(t, ctx, leaves, "", map[string][]string{s.ID(): {"client namespace disconnect"}})
}

// Scenario 2: three namespaces over one Engine.IO session.
func testSIONamespaces(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	opts := c.options()
	var mu sync.Mutex
	sids := map[string]int{} // Engine.IO session id -> packets received
	opts.PacketIn = func(sid string, _ actorio.EnginePacket) {
		mu.Lock()
		sids[sid]++
		mu.Unlock()
	}
	srv := startSIOServer(t, opts)
	leaves := make(chan sioLeave, 8)
	conns := make(chan *actorio.Socket, 8)
	for _, name := range []string{"/", "/a", "/b"} {
		srv.Of(name).OnConnection(func(s *actorio.Socket) {
			recordLeaves(s, leaves)
			if err := s.On("whoami", func(ack actorio.Ack) error {
				return ack.Send(map[string]string{"nsp": s.Namespace().Name(), "id": s.ID()})
			}); err != nil {
				t.Errorf("On(whoami): %v", err)
			}
			conns <- s
		})
	}
	var res struct {
		Managers  int
		EngineIDs []string
		Sockets   []struct {
			NSP, ID string
			Server  json.RawMessage
		}
	}
	startSIONode(t, ctx, srv.url, "namespaces", c).result(ctx, &res)

	if res.Managers != 1 || len(res.EngineIDs) != 1 || len(res.Sockets) != 3 {
		t.Fatalf("client: %d Managers, Engine.IO ids %q, %d sockets; want one Manager, one id, three sockets", res.Managers, res.EngineIDs, len(res.Sockets))
	}
	want := map[string][]string{} // socket id -> reason
	for range 3 {
		s := sioRecv(t, ctx, conns, "three connections")
		want[s.ID()] = []string{"client namespace disconnect"}
	}
	for _, s := range res.Sockets {
		if got, w := sioCanon(t, s.Server), sioCanon(t, map[string]string{"nsp": s.NSP, "id": s.ID}); got != w {
			t.Errorf("whoami on %s: server answered %s, want %s", s.NSP, got, w)
		}
		if _, ok := want[s.ID]; !ok {
			t.Errorf("client's socket on %s has id %q, which no connection handler saw", s.NSP, s.ID)
		}
	}
	checkLeaves(t, ctx, leaves, "", want)
	mu.Lock()
	defer mu.Unlock()
	if len(sids) != 1 || sids[res.EngineIDs[0]] == 0 {
		t.Errorf("server received packets on Engine.IO sessions %v, want only the client's %q", sids, res.EngineIDs[0])
	}
}

// Scenario 3: a middleware's refusal with data, an unknown namespace, and
// a namespace that accepts, on one connection that survives the refusals.
func testSIOConnectError(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	auths := make(chan json.RawMessage, 4)
	srv.Use(func(s *actorio.Socket) error {
		auths <- s.Handshake().Auth
		return &actorio.ConnectError{Message: "unauthorized", Data: map[string]any{"code": 42}}
	})
	rootConns := srv.connections("/", nil)
	srv.connections("/ok", func(s *actorio.Socket) {
		if err := s.On("ping", func(ack actorio.Ack) error { return ack.Send("pong") }); err != nil {
			t.Errorf("On(ping): %v", err)
		}
	})
	type refusal struct {
		Message string
		Data    json.RawMessage
	}
	var res struct {
		Root, Nope refusal
		OkAnswer   string
		EngineIDs  []string
	}
	startSIONode(t, ctx, srv.url, "connect-error", c).result(ctx, &res)

	if res.Root.Message != "unauthorized" || sioCanon(t, res.Root.Data) != `{"code":42}` {
		t.Errorf("connect_error on / = message %q, data %s; want unauthorized, {\"code\":42}", res.Root.Message, res.Root.Data)
	}
	if res.Nope.Message != "Invalid namespace" || sioCanon(t, res.Nope.Data) != `"<undefined>"` {
		t.Errorf("connect_error on /nope = message %q, data %s; want Invalid namespace and no data", res.Nope.Message, res.Nope.Data)
	}
	if res.OkAnswer != "pong" || len(res.EngineIDs) != 1 {
		t.Errorf("/ok answered %q over Engine.IO sessions %q; want pong over the one session the refusals used", res.OkAnswer, res.EngineIDs)
	}
	if got := sioCanon(t, sioRecv(t, ctx, auths, "the middleware")); got != `{"token":"wrong"}` {
		t.Errorf("middleware saw Handshake().Auth = %s, want {\"token\":\"wrong\"}", got)
	}
	select {
	case s := <-rootConns:
		t.Errorf("the connection handler of / ran for %s, which its middleware refused", s.ID())
	default:
	}
}

// sioE2ETyped is what the client sends as the typed event's third argument.
type sioE2ETyped struct {
	Flag   bool     `json:"flag"`
	Ratio  float64  `json:"ratio"`
	Tags   []string `json:"tags"`
	Nested struct {
		Count   int     `json:"count"`
		Missing *string `json:"missing"`
	} `json:"nested"`
}

// sioE2EBinary is the binary event's argument: binary at depth. Its
// msgpack tags work around the bug sioE2ETyped shows, so that the binary
// checks hold for msgpack too.
type sioE2EBinary struct {
	Meta    string `json:"meta" msgpack:"meta"`
	Payload struct {
		Data []byte `json:"data" msgpack:"data"`
	} `json:"payload" msgpack:"payload"`
	List [][]byte `json:"list" msgpack:"list"`
}

// sioEvery256 is sio_client.js's every256(): every byte value.
func sioEvery256() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// sioBin is how sio_client.js spells a Buffer it received.
func sioBin(b []byte) string { return "buffer:" + hex.EncodeToString(b) }

// Scenario 4 (and 11): typed handlers, acks, binary at depth both ways,
// Args.Forward.
func testSIOEvents(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	type typedCall struct {
		name string
		n    int
		obj  sioE2ETyped
	}
	typed := make(chan typedCall, 1)
	binaries := make(chan sioE2EBinary, 1)
	srv.connections("/", func(s *actorio.Socket) {
		on := func(event string, fn any) {
			if err := s.On(event, fn); err != nil {
				t.Errorf("On(%s): %v", event, err)
			}
		}
		on("typed", func(name string, n int, obj sioE2ETyped, ack actorio.Ack) error {
			typed <- typedCall{name, n, obj}
			return ack.Send("ok", name, n, obj)
		})
		on("binary", func(obj sioE2EBinary, ack actorio.Ack) error {
			binaries <- obj
			return ack.Send(map[string]any{
				"meta": obj.Meta,
				"echo": obj.Payload.Data,
				"list": obj.List,
				"deep": map[string]any{"a": []any{1, map[string]any{"b": []byte{0xca, 0xfe}}}},
			})
		})
		on("forward", func(args actorio.Args, ack actorio.Ack) error {
			if err := ack.Send(args.Forward()...); err != nil {
				return err
			}
			return s.Emit("forwarded", args.Forward()...)
		})
		on("sendMe", func() error {
			return s.Emit("fromServer", map[string]any{"a": map[string]any{"b": []byte{0xde, 0xad}}}, []byte{1, 2, 3}, "text", 7, nil)
		})
	})
	var res struct {
		Typed, Binary, ForwardAck, ForwardEvent, FromServer json.RawMessage
	}
	startSIONode(t, ctx, srv.url, "events", c).result(ctx, &res)
	var bugs sioBugs
	structErrorf := c.structErrorf(t, &bugs) // for what rests on decoding into a struct

	want := sioE2ETyped{Flag: true, Ratio: 1.5, Tags: []string{"a", "b"}}
	want.Nested.Count = 7
	got := sioRecv(t, ctx, typed, "the typed handler")
	if got.name != "héllo ✓ 🚀" || got.n != -42 {
		t.Errorf("typed handler got (%q, %d, ...), want (%q, -42, ...)", got.name, got.n, "héllo ✓ 🚀")
	}
	if !reflect.DeepEqual(got.obj, want) {
		structErrorf("typed handler got %+v, want %+v", got.obj, want)
	}
	bin := sioRecv(t, ctx, binaries, "the binary handler")
	if bin.Meta != "m" || !bytes.Equal(bin.Payload.Data, sioEvery256()) || len(bin.List) != 2 ||
		!bytes.Equal(bin.List[0], []byte{1, 2, 3}) || len(bin.List[1]) != 0 {
		t.Errorf("binary handler got meta %q, payload.data % x, list %x; want m, every byte value, [010203, empty]",
			bin.Meta, bin.Payload.Data, bin.List)
	}

	for _, check := range []struct {
		what   string
		got    json.RawMessage
		want   any
		errorf func(string, ...any)
	}{
		{"typed ack", res.Typed, []any{"ok", "héllo ✓ 🚀", -42, map[string]any{
			"flag": true, "ratio": 1.5, "tags": []string{"a", "b"}, "nested": map[string]any{"count": 7, "missing": nil},
		}}, structErrorf},
		{"binary ack", res.Binary, []any{map[string]any{
			"meta": "m",
			"echo": sioBin(sioEvery256()),
			"list": []string{sioBin([]byte{1, 2, 3}), sioBin(nil)},
			"deep": map[string]any{"a": []any{1, map[string]any{"b": sioBin([]byte{0xca, 0xfe})}}},
		}}, t.Errorf},
		{"forward ack", res.ForwardAck, []any{"text", map[string]any{"bin": sioBin([]byte{9, 8, 7}), "n": 1}, []any{sioBin([]byte{1}), 2}, nil}, t.Errorf},
		{"forwarded event", res.ForwardEvent, []any{"text", map[string]any{"bin": sioBin([]byte{9, 8, 7}), "n": 1}, []any{sioBin([]byte{1}), 2}, nil}, t.Errorf},
		{"fromServer event", res.FromServer, []any{map[string]any{"a": map[string]any{"b": sioBin([]byte{0xde, 0xad})}}, sioBin([]byte{1, 2, 3}), "text", 7, nil}, t.Errorf},
	} {
		if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
			check.errorf("client got %s\n\t%s\nwant\n\t%s", check.what, got, want)
		}
	}
	bugs.settle(t)
}

// structErrorf reports a failure that rests on decoding an argument into
// a struct with json tags: with msgpack, a known bug.
func (c sioCase) structErrorf(t *testing.T, bugs *sioBugs) func(string, ...any) {
	if c.parser != "msgpack" {
		return t.Errorf
	}
	return func(format string, args ...any) {
		bugs.add("msgpack: a struct argument with json tags decodes as its zero value, without an error "+
			"(Args.Decode uses msgpack.Unmarshal, which ignores the json tags that encoding follows)", format, args...)
	}
}

// Scenario 5 (and 11): EmitWithAck answered, unanswered, answered late.
func testSIOServerAck(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	incoming := make(chan string, 16)
	lateSent := make(chan struct{}, 1)
	leaves := make(chan sioLeave, 4)
	conns := srv.connections("/", func(s *actorio.Socket) {
		recordLeaves(s, leaves)
		s.OnAny(func(event string, _ actorio.Args) { incoming <- event })
		if err := s.On("lateSent", func() { lateSent <- struct{}{} }); err != nil {
			t.Errorf("On(lateSent): %v", err)
		}
	})
	node := startSIONode(t, ctx, srv.url, "server-ack", c)
	s := sioRecv(t, ctx, conns, "the connection handler")
	var bugs sioBugs
	structErrorf := c.structErrorf(t, &bugs)

	ask := func(d time.Duration, event string, args ...any) (actorio.Args, error) {
		actx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return s.EmitWithAck(actx, event, args...)
	}
	decode := func(what string, a actorio.Args, into ...any) {
		t.Helper()
		if a.Len() != len(into) {
			t.Fatalf("%s: ack has %d arguments, want %d", what, a.Len(), len(into))
		}
		for i, v := range into {
			if err := a.Decode(i, v); err != nil {
				t.Fatalf("%s: Decode(%d): %v", what, i, err)
			}
		}
	}
	type answerObj struct {
		N int `json:"n"`
	}
	question := func(n int, text string) {
		t.Helper()
		got, err := ask(5*time.Second, "question", n, text)
		if err != nil {
			t.Fatalf("EmitWithAck(question, %d, %q): %v", n, text, err)
		}
		var (
			n2  int
			str string
			obj answerObj
		)
		decode("question", got, &n2, &str, &obj)
		if n2 != 2*n || str != text+"!" {
			t.Errorf("EmitWithAck(question, %d, %q) = (%d, %q, ...), want (%d, %q, ...)", n, text, n2, str, 2*n, text+"!")
		}
		if obj.N != n {
			structErrorf("EmitWithAck(question, %d, %q): third answer %+v, want {N:%d}", n, text, obj, n)
		}
	}

	question(21, "x")

	got, err := ask(5*time.Second, "binQuestion", []byte{1, 2, 3})
	if err != nil {
		t.Fatalf("EmitWithAck(binQuestion): %v", err)
	}
	var bin map[string][]byte
	decode("binQuestion", got, &bin)
	if len(bin) != 2 || !bytes.Equal(bin["got"], []byte{1, 2, 3}) || !bytes.Equal(bin["more"], []byte{1, 2, 3, 4}) {
		t.Errorf("EmitWithAck(binQuestion, 010203) = %x, want {got: 010203, more: 01020304}", bin)
	}

	const ackTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err = ask(ackTimeout, "ignore", 1)
	if elapsed := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || elapsed < ackTimeout {
		t.Fatalf("EmitWithAck(ignore) with a %v deadline = %v after %v, want context.DeadlineExceeded after the deadline", ackTimeout, err, elapsed)
	}
	node.expect(ctx, "holding") // the client got it, and holds its callback

	// The client answers the timed-out question, then sends lateSent: once
	// lateSent is handled, the late ack has been through the server.
	if err := s.Emit("answerLate"); err != nil {
		t.Fatalf("Emit(answerLate): %v", err)
	}
	sioRecv(t, ctx, lateSent, "lateSent, which the client sends right after its late ack")
	question(2, "y") // answered with its own answer, not the late one

	if err := s.Emit("bye"); err != nil {
		t.Fatalf("Emit(bye): %v", err)
	}
	var res struct{ Seen []string }
	node.result(ctx, &res)
	if want := []string{"question", "binQuestion", "ignore", "answerLate", "question", "bye"}; !slices.Equal(res.Seen, want) {
		t.Errorf("client got events %q, want %q", res.Seen, want)
	}
	checkLeaves(t, ctx, leaves, "", map[string][]string{s.ID(): {"client namespace disconnect"}})

	if _, err := ask(2*time.Second, "question", 1, "z"); !errors.Is(err, actorio.ErrDisconnected) {
		t.Errorf("EmitWithAck after the disconnect = %v, want ErrDisconnected", err)
	}
	var events []string
	for len(incoming) > 0 {
		events = append(events, <-incoming)
	}
	if !slices.Equal(events, []string{"lateSent"}) {
		t.Errorf("server's OnAny saw %q, want only lateSent (the late ack is no event)", events)
	}
	srv.checkNoPanic(t)
	bugs.settle(t)
}

// Scenario 6: rooms, socket.To (sender excluded), nsp.To, nsp.Except.
func testSIORooms(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	nsp := srv.Of("/")
	conns := srv.connections("/", func(s *actorio.Socket) {
		if err := s.On("join", func(room string, ack actorio.Ack) error {
			s.Join(room)
			return ack.Send(s.Rooms())
		}); err != nil {
			t.Errorf("On(join): %v", err)
		}
		if err := s.On("toRoom", func(room, text string) error { return s.To(room).Emit("msg", text) }); err != nil {
			t.Errorf("On(toRoom): %v", err)
		}
	})
	node := startSIONode(t, ctx, srv.url, "rooms", c)

	byName := map[string]*actorio.Socket{}
	for range 3 {
		s := sioRecv(t, ctx, conns, "three connections")
		var auth struct{ Name string }
		if err := json.Unmarshal(s.Handshake().Auth, &auth); err != nil {
			t.Fatalf("Handshake().Auth = %s: %v", s.Handshake().Auth, err)
		}
		byName[auth.Name] = s
	}
	var joined struct {
		Rooms map[string][]string
		IDs   map[string]string
	}
	node.decode(node.expect(ctx, "joined"), &joined)
	for _, n := range []string{"A", "B", "C"} {
		s := byName[n]
		if s == nil || joined.IDs[n] != s.ID() {
			t.Fatalf("client %s has id %q; the server's sockets by auth name: %v", n, joined.IDs[n], byName)
		}
		want := []string{s.ID()}
		if n != "C" {
			want = append(want, "r")
			if !slices.Equal(joined.Rooms[n], want) {
				t.Errorf("%s's join ack: Rooms() = %q, want %q", n, joined.Rooms[n], want)
			}
		}
		if got := s.Rooms(); !slices.Equal(got, want) {
			t.Errorf("%s's Socket.Rooms() = %q, want %q", n, got, want)
		}
	}
	if size, count := nsp.RoomSize("r"), nsp.SocketCount(); size != 2 || count != 3 {
		t.Errorf("RoomSize(r) = %d, SocketCount() = %d; want 2 and 3", size, count)
	}

	// Each broadcast is awaited where it must arrive before the next: any
	// stray copy was queued before the one awaited, so the final lists show
	// it.
	node.waitMsgs(ctx, "socket.to(r) from A", "B") // A's toRoom, sent after joined
	if err := nsp.To("r").Emit("msg", "nsp.to(r)"); err != nil {
		t.Fatal(err)
	}
	node.waitMsgs(ctx, "nsp.to(r)", "A", "B")
	if err := nsp.Except("r").Emit("msg", "nsp.except(r)"); err != nil {
		t.Fatal(err)
	}
	node.waitMsgs(ctx, "nsp.except(r)", "C")
	for _, s := range byName {
		if err := s.Emit("end"); err != nil {
			t.Fatal(err)
		}
	}
	var res struct{ Got map[string][]string }
	node.result(ctx, &res)
	want := map[string][]string{"A": {"nsp.to(r)"}, "B": {"socket.to(r) from A", "nsp.to(r)"}, "C": {"nsp.except(r)"}}
	if !reflect.DeepEqual(res.Got, want) {
		t.Errorf("clients got %q, want %q", res.Got, want)
	}
}

// Scenario 7: Join then a broadcast to the room, from an event handler (20
// rooms in a row) and from the connection handler.
func testSIOJoinThenEmit(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	srv.connections("/", func(s *actorio.Socket) {
		if err := s.On("joinAndHello", func(room string) error {
			s.Join(room)
			return srv.To(room).Emit("hello", room)
		}); err != nil {
			t.Errorf("On(joinAndHello): %v", err)
		}
		s.Join("lobby")
		if err := srv.To("lobby").Emit("welcome", s.ID()); err != nil {
			t.Errorf("Emit(welcome): %v", err)
		}
	})
	var res struct {
		ID, Welcome string
		Hellos      []string
	}
	startSIONode(t, ctx, srv.url, "join-emit", c).result(ctx, &res)
	if res.Welcome != res.ID {
		t.Errorf("welcome carried %q, want the client's id %q", res.Welcome, res.ID)
	}
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("x%d", i))
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(res.Hellos))
	if !slices.Equal(got, want) {
		t.Errorf("client got hello for %q, want each of %q once", res.Hellos, want)
	}
}

// Scenario 8: a volatile broadcast reaches a WebSocket client. As in Node,
// one sent while the CONNECT reply is still being written is dropped (the
// transport is not writable), so it is sent again until the client has one.
func testSIOVolatile(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	conns := srv.connections("/", nil)
	node := startSIONode(t, ctx, srv.url, "volatile", c)
	sioRecv(t, ctx, conns, "the connection handler")
	stop, stopped := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { // before the server closes
		close(stop)
		<-stopped
	})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if err := srv.Of("/").Volatile().Emit("v", "volatile"); err != nil {
				t.Error(err)
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	var res struct{ Arg, Transport string }
	node.result(ctx, &res)
	if res.Arg != "volatile" || res.Transport != c.transport {
		t.Errorf("client got v(%q) over %s, want v(volatile) over %s", res.Arg, res.Transport, c.transport)
	}
}

// Scenario 9: disconnect reasons on both sides, with "/" and "/other" on
// one connection. mode says who ends "/": the client (socket.disconnect()),
// the server (Disconnect(false) or, "close", Disconnect(true)), the client's
// Engine.IO socket (close()), or the kernel (the client process is killed).
func testSIODisconnect(t *testing.T, c sioCase, mode string) {
	ctx := e2eContext(t, e2eTimeout)
	opts := c.options()
	if mode == "kill" {
		// A polling client may die between two polls, with no request the
		// server could see end: then only the heartbeat finds out, as in Node.
		opts.PingInterval, opts.PingTimeout = time.Second, 2*time.Second
	}
	srv := startSIOServer(t, opts)
	var bugs sioBugs
	leaves := make(chan sioLeave, 8)
	setup := func(s *actorio.Socket) {
		s.Join("r")
		recordLeaves(s, leaves)
	}
	roots := srv.connections("/", func(s *actorio.Socket) {
		setup(s)
		if err := s.Emit("ready"); err != nil {
			t.Errorf("Emit(ready): %v", err)
		}
	})
	others := srv.connections("/other", setup)
	node := startSIONode(t, ctx, srv.url, "disconnect-"+mode, c)
	root := sioRecv(t, ctx, roots, "the connection to /")
	other := sioRecv(t, ctx, others, "the connection to /other")
	var ready struct{ Transport string }
	node.decode(node.expect(ctx, "ready"), &ready)
	if ready.Transport != c.finalTransport() {
		t.Errorf("client's transport = %q, want %q", ready.Transport, c.finalTransport())
	}

	// The reasons Node's server and client give, / then /other. Node's
	// disconnect(true) (lib/socket.ts, lib/client.ts) disconnects each
	// socket of the connection as disconnect() does, DISCONNECT packet
	// included, then closes the connection.
	var serverRoot, serverOther []string
	var clientRoot, clientOther string
	switch mode {
	case "client":
		serverRoot, serverOther = []string{"client namespace disconnect"}, []string{"client namespace disconnect"}
		clientRoot, clientOther = "io client disconnect", "io client disconnect"
	case "server":
		root.Disconnect(false)
		serverRoot, serverOther = []string{"server namespace disconnect"}, []string{"client namespace disconnect"}
		clientRoot, clientOther = "io server disconnect", "io client disconnect"
	case "close":
		root.Disconnect(true)
		// "forced server close" is a known bug, below.
		serverRoot = []string{"server namespace disconnect", "forced server close"}
		serverOther = serverRoot
		clientRoot, clientOther = "io server disconnect", "io server disconnect"
	case "engine":
		serverRoot, serverOther = []string{"transport close"}, []string{"transport close"}
	case "kill":
		if err := node.cmd.Process.Kill(); err != nil {
			t.Fatalf("kill node: %v", err)
		}
		serverRoot = []string{"transport close"}
		if c.finalTransport() == "polling" {
			// Node's engine.io says "transport error" when the pending GET
			// ends ("poll connection closed prematurely").
			serverRoot = []string{"transport close", "transport error", "ping timeout"}
		}
		serverOther = serverRoot
	}
	got := checkLeaves(t, ctx, leaves, "r", map[string][]string{root.ID(): serverRoot, other.ID(): serverOther})
	if mode == "close" && (got[root.ID()] != serverRoot[0] || got[other.ID()] != serverOther[0]) {
		bugs.add("Disconnect(true) sends no DISCONNECT before it closes the connection, as Node's disconnect(true) does",
			"server reasons: / %q, /other %q; want %q", got[root.ID()], got[other.ID()], serverRoot[0])
	}
	if mode == "kill" {
		t.Logf("killed %s client: server reasons / %q, /other %q", c.transport, got[root.ID()], got[other.ID()])
		bugs.settle(t)
		return
	}

	var res struct {
		Root, Other         string
		OtherStillConnected bool
	}
	node.result(ctx, &res)
	switch mode {
	case "engine":
		t.Logf("client's own reasons after closing its Engine.IO socket: / %q, /other %q", res.Root, res.Other)
	case "close":
		if res.Root != clientRoot || res.Other != clientOther {
			bugs.add("Disconnect(true) sends no DISCONNECT before it closes the connection, as Node's disconnect(true) does",
				"client reasons: / %q, /other %q; want %q for both (a client that reconnects, the default, comes straight back after anything else)",
				res.Root, res.Other, clientRoot)
		}
	default:
		if res.Root != clientRoot || res.Other != clientOther {
			t.Errorf("client's reasons: / %q, /other %q; want %q and %q", res.Root, res.Other, clientRoot, clientOther)
		}
	}
	if wantStill := mode == "client" || mode == "server"; res.OtherStillConnected != wantStill {
		t.Errorf("/other still connected after / was disconnected: %v, want %v", res.OtherStillConnected, wantStill)
	}
	bugs.settle(t)
}

// Scenario 10: an event over MaxHTTPBufferSize ends its sender's
// connection, and only that one.
func testSIOPayloadLimit(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	opts := c.options()
	opts.MaxHTTPBufferSize = 1000 // sio_client.js sends 5000 bytes
	srv := startSIOServer(t, opts)
	bigCalls := make(chan int, 1)
	leaves := make(chan sioLeave, 8)
	conns := srv.connections("/", func(s *actorio.Socket) {
		recordLeaves(s, leaves)
		on := func(event string, fn any) {
			if err := s.On(event, fn); err != nil {
				t.Errorf("On(%s): %v", event, err)
			}
		}
		on("big", func(text string) { bigCalls <- len(text) })
		on("small", func(text string, ack actorio.Ack) error { return ack.Send("echo: " + text) })
	})
	var res struct {
		BigReason, BigTransport, Answer string
		Late                            []string
	}
	startSIONode(t, ctx, srv.url, "limit", c).result(ctx, &res)

	ids := map[string]string{}
	for range 2 {
		s := sioRecv(t, ctx, conns, "two connections")
		var auth struct{ Name string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		ids[auth.Name] = s.ID()
	}
	got := checkLeaves(t, ctx, leaves, "", map[string][]string{
		ids["big"]:   {"transport error", "transport close"},
		ids["small"]: {"client namespace disconnect"},
	})
	t.Logf("a 5000-byte event over %s: client reason %q, server reason %q", res.BigTransport, res.BigReason, got[ids["big"]])
	if res.BigTransport != c.finalTransport() || res.BigReason == "" || len(res.Late) > 0 {
		t.Errorf("sender: transport %q, disconnect %q, then events %q; want %s, a disconnect, nothing after", res.BigTransport, res.BigReason, res.Late, c.finalTransport())
	}
	if res.Answer != "echo: still here" {
		t.Errorf("the other client's ack = %q, want echo: still here", res.Answer)
	}
	select {
	case n := <-bigCalls:
		t.Errorf("the big handler ran with %d bytes, over the %d-byte limit", n, opts.MaxHTTPBufferSize)
	default:
	}
}

// sioServer is the server under test on a loopback port; its log goes to a
// buffer, printed when the test fails.
type sioServer struct {
	*actorio.Server
	url string
	log *syncBuffer
}

func startSIOServer(t *testing.T, opts actorio.Options) *sioServer {
	t.Helper()
	srv := &sioServer{log: &syncBuffer{}}
	opts.Logger = zerolog.New(srv.log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	// Registered first, so it runs last: the log includes the shutdown.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", srv.log.String())
		}
	})
	srv.Server = actorio.NewServer(&opts)
	hs := httptest.NewServer(srv.Server)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	srv.url = hs.URL
	return srv
}

// connections registers a connection handler on nsp that runs setup, then
// hands the socket over.
func (srv *sioServer) connections(nsp string, setup func(*actorio.Socket)) <-chan *actorio.Socket {
	ch := make(chan *actorio.Socket, 8)
	srv.Of(nsp).OnConnection(func(s *actorio.Socket) {
		if setup != nil {
			setup(s)
		}
		ch <- s
	})
	return ch
}

func (srv *sioServer) checkNoPanic(t *testing.T) {
	t.Helper()
	for line := range strings.Lines(srv.log.String()) {
		if strings.Contains(line, "panicked") {
			t.Errorf("server logged a panic: %s", strings.TrimSpace(line))
		}
	}
}

// sioLeave is one OnDisconnecting or OnDisconnect call.
type sioLeave struct {
	phase     string // disconnecting, disconnect
	nsp, id   string
	reason    string
	rooms     []string
	connected bool
}

func recordLeaves(s *actorio.Socket, ch chan<- sioLeave) {
	record := func(phase string) func(string) {
		return func(reason string) {
			ch <- sioLeave{phase: phase, nsp: s.Namespace().Name(), id: s.ID(), reason: reason, rooms: s.Rooms(), connected: s.Connected()}
		}
	}
	s.OnDisconnecting(record("disconnecting"))
	s.OnDisconnect(record("disconnect"))
}

// checkLeaves waits until every socket in want (id -> the reasons it may
// give, Node's first) has disconnected and checks, for each:
// OnDisconnecting, then OnDisconnect, with the same reason, one of want's;
// its rooms (its own, and room unless empty) still there in
// OnDisconnecting, gone in OnDisconnect; Connected() false in
// OnDisconnect. It returns the reasons seen.
func checkLeaves(t *testing.T, ctx context.Context, ch <-chan sioLeave, room string, want map[string][]string) map[string]string {
	t.Helper()
	got := map[string]string{}
	phases := map[string][]string{}
	for n := 0; n < 2*len(want); n++ {
		l := sioRecv(t, ctx, ch, fmt.Sprintf("OnDisconnecting and OnDisconnect of %d sockets (got %v)", len(want), phases))
		if _, ok := want[l.id]; !ok {
			t.Errorf("%s of unexpected socket %s on %s (%q)", l.phase, l.id, l.nsp, l.reason)
			n--
			continue
		}
		phases[l.id] = append(phases[l.id], l.phase)
		if !slices.Contains(want[l.id], l.reason) {
			t.Errorf("%s on %s: reason %q, want one of %q", l.phase, l.nsp, l.reason, want[l.id])
		}
		if prev, ok := got[l.id]; ok && prev != l.reason {
			t.Errorf("%s on %s: reason %q after OnDisconnecting's %q", l.phase, l.nsp, l.reason, prev)
		}
		got[l.id] = l.reason
		switch l.phase {
		case "disconnecting":
			if len(phases[l.id]) != 1 || !slices.Contains(l.rooms, l.id) || (room != "" && !slices.Contains(l.rooms, room)) {
				t.Errorf("OnDisconnecting on %s (call %d): Rooms() = %q, want it first, with the socket's own room and %q", l.nsp, len(phases[l.id]), l.rooms, room)
			}
		case "disconnect":
			if len(phases[l.id]) != 2 || len(l.rooms) != 0 || l.connected {
				t.Errorf("OnDisconnect on %s (call %d): Rooms() = %q, Connected() = %v; want it after OnDisconnecting, no rooms, not connected",
					l.nsp, len(phases[l.id]), l.rooms, l.connected)
			}
		}
	}
	return got
}

// sioBugs groups the checks of two bugs these tests found and that are now
// fixed (Disconnect(true) without DISCONNECT packets; msgpack ignoring json
// tags when decoding): a regression fails the subtest with the bug's name
// and every detail seen.
type sioBugs struct {
	bugs    []string            // in the order found
	details map[string][]string // by bug
}

// add records an instance of bug, which says what is wrong.
func (b *sioBugs) add(bug, format string, args ...any) {
	if b.details == nil {
		b.details = map[string][]string{}
	}
	if _, ok := b.details[bug]; !ok {
		b.bugs = append(b.bugs, bug)
	}
	b.details[bug] = append(b.details[bug], fmt.Sprintf(format, args...))
}

// settle fails the subtest if any of the bugs came back.
func (b *sioBugs) settle(t *testing.T) {
	t.Helper()
	if len(b.bugs) == 0 {
		return
	}
	var msg strings.Builder
	for _, bug := range b.bugs {
		fmt.Fprintf(&msg, "BUG: %s\n\t%s\n", bug, strings.Join(b.details[bug], "\n\t"))
	}
	t.Error(msg.String())
}

// sioRecv waits for a value on ch.
func sioRecv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, context.Cause(ctx))
	}
	var zero T
	return zero // not reached: Fatalf does not return
}

// sioCanon returns v (JSON bytes, or a value to marshal) as canonical JSON:
// keys sorted, no spaces, numbers as float64 would print them.
func sioCanon(t *testing.T, v any) string {
	t.Helper()
	b, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatalf("json.Marshal(%v): %v", v, err)
		}
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Sprintf("<invalid JSON %q>", b)
	}
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		t.Fatalf("json.Encode(%v): %v", x, err)
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// sioNode is one run of sio_client.js: a nodeRun (engine_e2e_test.go) and
// its process, to kill.
type sioNode struct {
	*nodeRun
	cmd *exec.Cmd
}

// startSIONode runs sio_client.js as startNode runs engine_client.js: ctx
// bounds it, and the test prints its stderr when it fails.
func startSIONode(t *testing.T, ctx context.Context, url, scenario string, c sioCase) *sioNode {
	t.Helper()
	name := fmt.Sprintf("sio_client.js %s %s %s", scenario, c.transport, c.parser)
	r, cmd := runNode(t, ctx, sioE2EScript, name, url, scenario, c.transport, c.parser)
	return &sioNode{nodeRun: r, cmd: cmd}
}

// expect returns the script's next event, which must be called want.
func (n *sioNode) expect(ctx context.Context, want string) nodeEvent {
	n.t.Helper()
	ev := n.next(ctx)
	if ev.Event != want {
		n.t.Fatalf("%s printed %s, want a %q event", n.scenario, ev.raw, want)
	}
	return ev
}

func (n *sioNode) decode(ev nodeEvent, v any) {
	n.t.Helper()
	if err := json.Unmarshal(ev.raw, v); err != nil {
		n.t.Fatalf("%s: %s: %v", n.scenario, ev.raw, err)
	}
}

// waitMsgs reads the rooms scenario's "msg" events until each client in to
// has reported text.
func (n *sioNode) waitMsgs(ctx context.Context, text string, to ...string) {
	n.t.Helper()
	missing := slices.Clone(to)
	for len(missing) > 0 {
		var m struct{ Event, To, Text string }
		ev := n.next(ctx)
		n.decode(ev, &m)
		if m.Event != "msg" {
			n.t.Fatalf("%s printed %s while %q had not reached %q", n.scenario, ev.raw, text, missing)
		}
		if m.Text == text {
			missing = slices.DeleteFunc(missing, func(c string) bool { return c == m.To })
		}
	}
}
