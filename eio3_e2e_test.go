package actorio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
)

// Socket.IO 2.x clients (Engine.IO v3, EngineOptions.AllowEIO3) against the
// server, driven by the official socket.io-client 2.5.0 (npm alias
// socket.io-client-v2) from testdata/e2e/eio3_client.js, on each transport:
// polling only, WebSocket only, and polling then the upgrade ("default").

const eio3Script = "testdata/e2e/eio3_client.js"

func TestEIO3E2E(t *testing.T) {
	requireSIONode(t)
	if _, err := os.Stat("node_modules/socket.io-client-v2/package.json"); err != nil {
		t.Fatalf("socket.io-client-v2 is not installed (%v): run npm ci (or make deps) in the repository root", err)
	}
	for _, tr := range []string{"polling", "websocket", "default"} {
		t.Run("basic/"+tr, func(t *testing.T) { testEIO3Basic(t, tr) })
		t.Run("rooms/"+tr, func(t *testing.T) { testEIO3Rooms(t, tr) })
		t.Run("namespace/"+tr, func(t *testing.T) { testEIO3Namespace(t, tr) })
		t.Run("refused/"+tr, func(t *testing.T) { testEIO3Refused(t, tr) })
		t.Run("heartbeat/"+tr, func(t *testing.T) { testEIO3Heartbeat(t, tr) })
	}
	t.Run("unsupported/polling", testEIO3Unsupported)
}

func eio3Options() actorio.Options {
	var o actorio.Options
	o.AllowEIO3 = true
	o.PingInterval, o.PingTimeout = 10*time.Second, 10*time.Second
	return o
}

func startEIO3Node(t *testing.T, ctx context.Context, url, scenario, transport string, extra ...string) *sioNode {
	t.Helper()
	name := fmt.Sprintf("eio3_client.js %s %s", scenario, transport)
	r, cmd := runNode(t, ctx, eio3Script, name, append([]string{url, scenario, transport}, extra...)...)
	return &sioNode{nodeRun: r, cmd: cmd}
}

// finalTransport is the transport a run ends on.
func eio3Final(transport string) string {
	if transport == "default" {
		return "websocket"
	}
	return transport
}

// Connect, the handshake, emit and ack both ways with binary, and a
// client disconnect.
func testEIO3Basic(t *testing.T, transport string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, eio3Options())
	leaves := make(chan sioLeave, 4)
	asked := make(chan error, 1)
	conns := srv.connections("/", func(s *actorio.Socket) {
		recordLeaves(s, leaves)
		eio3BasicHandlers(t, s, asked)
	})
	node := startEIO3Node(t, ctx, srv.url, "basic", transport)
	var hello struct{ ID, Engine string }
	node.decode(node.expect(ctx, "connected"), &hello)
	s := sioRecv(t, ctx, conns, "the connection handler")
	var res struct {
		Hello, Echoed, Asked json.RawMessage
		Transport, Reason    string
	}
	node.result(ctx, &res)
	if err := sioRecv(t, ctx, asked, "the server's EmitWithAck"); err != nil {
		t.Errorf("EmitWithAck(ask) = %v, want the client's answer", err)
	}

	// As Node for protocol 3: the socket id is the Engine.IO id.
	if s.ID() != hello.ID || s.ID() != hello.Engine {
		t.Errorf("Socket.ID() = %q; client's socket.id %q, engine id %q: want all three the same", s.ID(), hello.ID, hello.Engine)
	}
	hs := s.Handshake()
	if hs.Query.Get("EIO") != "3" || hs.Query.Get("token") != "abc" || sioCanon(t, hs.Auth) != "{}" {
		t.Errorf("Handshake() = {Query: %v, Auth: %s}, want EIO=3 and token=abc in the query, auth {}", hs.Query, hs.Auth)
	}
	for _, check := range []struct {
		what string
		got  json.RawMessage
		want any
	}{
		{"hello", res.Hello, []any{s.ID(), sioBin([]byte{1, 2, 3})}},
		{"echo ack", res.Echoed, []any{"text", sioBin([]byte{9, 8, 7}), map[string]any{"n": 1}}},
		{"ask me ack", res.Asked, []any{"got q", sioBin([]byte{5, 6, 0xff})}},
	} {
		if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
			t.Errorf("client got %s = %s, want %s", check.what, got, want)
		}
	}
	if res.Transport != eio3Final(transport) {
		t.Errorf("client's transport = %q, want %q", res.Transport, eio3Final(transport))
	}
	if res.Reason != "io client disconnect" {
		t.Errorf("client's disconnect reason = %q, want io client disconnect", res.Reason)
	}
	checkLeaves(t, ctx, leaves, "", map[string][]string{s.ID(): {"client namespace disconnect"}})
	srv.checkNoPanic(t)
}

// A room with a 2.x and a 4.x client: both get every broadcast, binary
// included (the shared frames take their v3 form for the 2.x client).
func testEIO3Rooms(t *testing.T, transport string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, eio3Options())
	nsp := srv.Of("/")
	srv.connections("/", func(s *actorio.Socket) {
		if err := s.On("join", func(room string, ack actorio.Ack) error {
			s.Join(room)
			return ack.Send()
		}); err != nil {
			t.Errorf("On(join): %v", err)
		}
	})
	node := startEIO3Node(t, ctx, srv.url, "rooms", transport)
	node.expect(ctx, "joined")
	for _, args := range [][]any{{"text", 1}, {"bin", []byte{0, 1, 0xfe}}, {"last"}} {
		if err := nsp.To("r").Emit("msg", args...); err != nil {
			t.Fatalf("To(r).Emit(msg, %v): %v", args, err)
		}
	}
	var res struct {
		Got       map[string]json.RawMessage
		Transport string
	}
	node.result(ctx, &res)
	want := sioCanon(t, [][]any{{"text", 1}, {"bin", sioBin([]byte{0, 1, 0xfe})}, {"last"}})
	for _, c := range []string{"v2", "v4"} {
		if got := sioCanon(t, res.Got[c]); got != want {
			t.Errorf("%s client got %s, want %s", c, got, want)
		}
	}
	if res.Transport != eio3Final(transport) {
		t.Errorf("2.x client's transport = %q, want %q", res.Transport, eio3Final(transport))
	}
}

// A custom namespace whose query only the CONNECT carries; a server
// disconnect.
func testEIO3Namespace(t *testing.T, transport string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, eio3Options())
	conns := srv.connections("/admin", func(s *actorio.Socket) {
		if err := s.On("whoami", func(ack actorio.Ack) error {
			if err := ack.Send(s.ID()); err != nil {
				return err
			}
			s.Disconnect(false)
			return nil
		}); err != nil {
			t.Errorf("On(whoami): %v", err)
		}
	})
	node := startEIO3Node(t, ctx, srv.url, "namespace", transport)
	s := sioRecv(t, ctx, conns, "the /admin connection")
	var res struct{ ID, Engine, Who, Transport, Reason string }
	node.result(ctx, &res)
	if want := "/admin#" + res.Engine; s.ID() != want || res.ID != want || res.Who != want {
		t.Errorf("Socket.ID() = %q, client's socket.id %q, whoami %q; want %q (Node's id for protocol 3)", s.ID(), res.ID, res.Who, want)
	}
	hs := s.Handshake()
	if hs.Query.Get("token") != "x y" || hs.Query.Get("EIO") != "3" {
		t.Errorf("Handshake().Query = %v, want token=x y (from the CONNECT) and EIO=3", hs.Query)
	}
	if got := sioCanon(t, hs.Auth); got != `{"token":"x y"}` {
		t.Errorf("Handshake().Auth = %s, want {\"token\":\"x y\"}", got)
	}
	if res.Reason != "io server disconnect" {
		t.Errorf("client's disconnect reason = %q, want io server disconnect", res.Reason)
	}
	if res.Transport != eio3Final(transport) {
		t.Errorf("client's transport = %q, want %q", res.Transport, eio3Final(transport))
	}
}

// Middleware refusals reach the 2.x client as its "error" event: the
// message, or the error's Data when it has some, as Node.
func testEIO3Refused(t *testing.T, transport string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, eio3Options())
	srv.Of("/").Use(func(*actorio.Socket) error { return errors.New("not authorized") })
	srv.Of("/private").Use(func(*actorio.Socket) error {
		return &actorio.ConnectError{Message: "no", Data: map[string]any{"code": 42}}
	})
	node := startEIO3Node(t, ctx, srv.url, "refused", transport)
	var res struct{ Root, Priv json.RawMessage }
	node.result(ctx, &res)
	if got := sioCanon(t, res.Root); got != `"not authorized"` {
		t.Errorf("client's error on / = %s, want \"not authorized\"", got)
	}
	if got := sioCanon(t, res.Priv); got != `{"code":42}` {
		t.Errorf("client's error on /private = %s, want {\"code\":42}", got)
	}
}

// The v3 heartbeat: the client pings, the server answers. A connection
// that sends nothing else stays up well beyond pingInterval + pingTimeout.
func testEIO3Heartbeat(t *testing.T, transport string) {
	ctx := e2eContext(t, e2eTimeout)
	o := eio3Options()
	// Short, with room for a loaded machine: over polling a ping and its
	// pong take two HTTP exchanges, under -race beside other tests.
	o.PingInterval, o.PingTimeout = 200*time.Millisecond, 800*time.Millisecond
	srv := startSIOServer(t, o)
	leaves := make(chan sioLeave, 4)
	srv.connections("/", func(s *actorio.Socket) {
		recordLeaves(s, leaves)
		if err := s.On("still", func(ack actorio.Ack) error { return ack.Send("here") }); err != nil {
			t.Errorf("On(still): %v", err)
		}
		if err := s.On("bye", func() error { s.Disconnect(true); return nil }); err != nil {
			t.Errorf("On(bye): %v", err)
		}
	})
	quiet := 2 * (o.PingInterval + o.PingTimeout)
	node := startEIO3Node(t, ctx, srv.url, "heartbeat", transport, strconv.Itoa(int(quiet.Milliseconds())))
	var res struct {
		Still, ReasonWhileQuiet, Reason string
		Pongs                           int
	}
	node.result(ctx, &res)
	if res.Still != "here" || res.ReasonWhileQuiet != "" {
		t.Errorf("after %v quiet: ack %q, disconnect %q; want here and no disconnect", quiet, res.Still, res.ReasonWhileQuiet)
	}
	if res.Pongs < 3 {
		t.Errorf("client got %d pongs in %v at a %v interval, want at least 3", res.Pongs, quiet, o.PingInterval)
	}
	if res.Reason != "io server disconnect" {
		t.Errorf("client's disconnect reason = %q, want io server disconnect", res.Reason)
	}
	var got []string
	for len(got) < 2 {
		l := sioRecv(t, ctx, leaves, "the socket's disconnect")
		got = append(got, l.phase+":"+l.reason)
	}
	if want := []string{"disconnecting:server namespace disconnect", "disconnect:server namespace disconnect"}; !reflect.DeepEqual(got, want) {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

// Without AllowEIO3, EIO=3 is refused as Node refuses it, and the 2.x
// client gets a connect_error.
func testEIO3Unsupported(t *testing.T) {
	ctx := e2eContext(t, e2eTimeout)
	o := eio3Options()
	o.AllowEIO3 = false
	srv := startSIOServer(t, o)
	for _, q := range []string{"EIO=3&transport=polling", "EIO=3&transport=polling&b64=1", "transport=polling"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+"/socket.io/?"+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET ?%s: %v", q, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := `{"code":5,"message":"Unsupported protocol version"}`; resp.StatusCode != http.StatusBadRequest || strings.TrimSpace(string(body)) != want {
			t.Errorf("GET ?%s = %d %s, want 400 %s", q, resp.StatusCode, body, want)
		}
	}
	node := startEIO3Node(t, ctx, srv.url, "unsupported", "polling")
	var res struct{ Error string }
	node.result(ctx, &res)
	if res.Error == "" {
		t.Errorf("client's connect_error = %q, want an error", res.Error)
	}
}

// eio3BasicHandlers sets up the basic scenario's server side on s: "echo"
// acks its arguments, "ask me" has the server emit "ask" with an ack (its
// outcome on asked) and acks with the answer; s is greeted with "hello".
func eio3BasicHandlers(t *testing.T, s *actorio.Socket, asked chan<- error) {
	if err := s.On("echo", func(a actorio.Args, ack actorio.Ack) error { return ack.Send(a.Forward()...) }); err != nil {
		t.Errorf("On(echo): %v", err)
	}
	if err := s.On("ask me", func(ack actorio.Ack) error {
		// EmitWithAck waits: on its own goroutine, so the lane goes on.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := s.EmitWithAck(ctx, "ask", "q", []byte{5, 6})
			asked <- err
			if err != nil {
				_ = ack.Send(err.Error())
				return
			}
			_ = ack.Send(res.Forward()...)
		}()
		return nil
	}); err != nil {
		t.Errorf("On(ask me): %v", err)
	}
	if err := s.Emit("hello", s.ID(), []byte{1, 2, 3}); err != nil {
		t.Errorf("Emit(hello): %v", err)
	}
}
