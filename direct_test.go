package actorio_test

import (
	"bytes"
	"encoding/json"
	"net"
	"sync"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/gobwas/ws"
)

// An event for a connected socket reaches its handler, and its ack the
// client, while the session actor is busy: the short path (direct.go) does
// not wait in the session's mailbox. With either parser.
func TestEventSkipsSessionMailbox(t *testing.T) {
	for _, parser := range []string{"json", "msgpack"} {
		t.Run(parser, func(t *testing.T) {
			opts := &actorio.Options{}
			encode := func(v ...any) []byte { b, _ := json.Marshal(v); return b }
			if parser == "msgpack" {
				opts.Parser = actorio.ParserMsgpack
				encode = func(v ...any) []byte { return mp(t, v) }
			}
			srv, base := startServer(t, opts)
			sockets := make(chan *actorio.Socket, 1)
			srv.OnConnection(func(s *actorio.Socket) {
				_ = s.On("echo", func(msg string, ack actorio.Ack) { _ = ack.Send(msg) })
				sockets <- s
			})
			c := dialParser(t, base, parser == "msgpack")
			c.connect()
			holdSession(t, actorio.SessionOf(testkit.Recv(t, sockets, "the connection")))
			c.sendPacket(sio.Packet{Type: sio.Event, ID: 7, HasID: true, Data: encode("echo", "hi")})
			ack := c.nextPacket()
			if ack.Type != sio.Ack || ack.ID != 7 || !bytes.Equal(ack.Data, encode("hi")) {
				t.Errorf("ack = %+v, data %q", ack, ack.Data)
			}
		})
	}
}

// A packet the session must see first keeps its place: an event read
// after it waits for the session too, and runs after it. Here a binary
// event, whose attachment the session reassembles, is followed by a text
// event while the session is busy; their handlers run in the client's order.
func TestEventWaitsForPacketsBeforeIt(t *testing.T) {
	order := make(chan string, 2)
	c, release := heldSocket(t, func(s *actorio.Socket) {
		_ = s.On("bin", func([]byte) { order <- "bin" })
		_ = s.On("text", func() { order <- "text" })
	})
	send(t, c, `451-["bin",{"_placeholder":true,"num":0}]`)
	if err := writeBinary(c, []byte{1}); err != nil {
		t.Fatal(err)
	}
	send(t, c, `42["text"]`)
	readerCaughtUp(t, c)
	release()
	for _, want := range []string{"bin", "text"} {
		if got := testkit.Recv(t, order, "an event handler"); got != want {
			t.Fatalf("handler ran for %q, want %q first", got, want)
		}
	}
}

// A client's DISCONNECT keeps its place too: an event sent after it, while
// the session is busy, is not handled, as for a socket that has left.
func TestEventAfterDisconnectIgnored(t *testing.T) {
	seen := make(chan string, 2)
	c, release := heldSocket(t, func(s *actorio.Socket) {
		_ = s.On("late", func() { seen <- "late" })
		s.OnDisconnect(func(string) { seen <- "disconnect" })
	})
	send(t, c, "41")
	send(t, c, `42["late"]`)
	readerCaughtUp(t, c)
	release()
	if got := testkit.Recv(t, seen, "the disconnect handler"); got != "disconnect" {
		t.Fatalf("%q ran before the disconnect handler", got)
	}
	select {
	case got := <-seen:
		t.Fatalf("%q ran after the disconnect", got)
	default:
	}
}

// heldSocket connects a client to a server whose sockets setup prepares,
// then holds that client's session actor until release (or the test's end).
func heldSocket(t *testing.T, setup func(*actorio.Socket)) (net.Conn, func()) {
	t.Helper()
	srv, base := startServer(t, nil)
	sockets := make(chan *actorio.Socket, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		setup(s)
		sockets <- s
	})
	c := sioConn(t, base)
	send(t, c, "40")
	_ = mustNext(t, c)
	return c, holdSession(t, actorio.SessionOf(testkit.Recv(t, sockets, "the connection")))
}

// holdSession blocks es's session actor until release is called (or the
// test ends), and returns once it is blocked: what a handler gets
// meanwhile did not wait in the session's mailbox.
func holdSession(t *testing.T, es *actorio.EngineSession) (release func()) {
	t.Helper()
	held, done := make(chan struct{}, 1), make(chan struct{})
	es.Run(func() {
		held <- struct{}{}
		<-done
	})
	testkit.Recv(t, held, "the session actor held")
	release = sync.OnceFunc(func() { close(done) })
	t.Cleanup(release)
	return release
}

// readerCaughtUp returns once the server has read everything sent on c
// before it: the server's reader answers a WebSocket ping itself, in order.
func readerCaughtUp(t *testing.T, c net.Conn) {
	t.Helper()
	if err := ws.WriteFrame(c, ws.MaskFrame(ws.NewPingFrame([]byte("sync")))); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := testkit.ReadFrame(c)
		if err != nil {
			t.Fatalf("waiting for the pong: %v", err)
		}
		if f.Header.OpCode == ws.OpPong && string(f.Payload) == "sync" {
			return
		}
	}
}
