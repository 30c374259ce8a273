package actorio_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// A chat event with an acknowledgement: the handler declares the types it
// wants and answers through the Ack.
func Example() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("chat", func(msg string, ack actorio.Ack) {
			_ = ack.Send("delivered: " + msg)
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`420["chat","hello"]`) // event "chat", ack id 0
	fmt.Println(c.read())
	// Output: 430["delivered: hello"]
}

// Rooms: a broadcast to a room reaches its members, except the sender.
func ExampleSocket_To() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	joined := make(chan struct{}, 2)
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("lobby")
		_ = s.On("say", func(text string) { _ = s.To("lobby").Emit("said", text) })
		joined <- struct{}{}
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	alice, bob := exampleClient(web.URL, "40"), exampleClient(web.URL, "40")
	<-joined // both in the lobby before alice speaks
	<-joined
	alice.send(`42["say","hi all"]`)
	fmt.Println(bob.read())
	// Output: 42["said","hi all"]
}

// Connect middleware refuses a client with a message and data.
func ExampleServer_Use() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.Use(func(s *actorio.Socket) error {
		if !strings.Contains(string(s.Handshake().Auth), `"token":"secret"`) {
			return &actorio.ConnectError{Message: "unauthorized", Data: map[string]string{"hint": "send a token"}}
		}
		return nil
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, `40{"token":"wrong"}`)
	fmt.Println(c.last)
	// Output: 44{"message":"unauthorized","data":{"hint":"send a token"}}
}

// The server asks a client and waits for its answer.
func ExampleSocket_EmitWithAck() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	answers := make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		args, err := s.EmitWithAck(ctx, "question", "6 x 7?")
		var n int
		if err == nil {
			err = args.Decode(0, &n)
		}
		answers <- fmt.Sprint(n, err)
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	fmt.Println(c.read())
	c.send(`430[42]`)
	fmt.Println(<-answers)
	// Output:
	// 420["question","6 x 7?"]
	// 42 <nil>
}

// exampleClient is a bare Socket.IO client over WebSocket: it sends the
// CONNECT packet and keeps the server's answer in last. Every read has a
// deadline (testkit.Conn).
type exClient struct {
	conn net.Conn
	last string
}

func exampleClient(base, connect string) *exClient {
	return exampleClientWithHeader(base, nil, connect)
}

// exampleClientWithHeader is exampleClient sending header (if any) with
// its WebSocket handshake.
func exampleClientWithHeader(base string, header http.Header, connect string) *exClient {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(header)}
	conn, br, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		panic(err)
	}
	c := &exClient{conn: testkit.Wrap(conn, br)}
	c.read() // the Engine.IO open packet
	c.send(connect)
	c.last = c.read()
	return c
}

func (c *exClient) send(s string) { _ = wsutil.WriteClientText(c.conn, []byte(s)) }

func (c *exClient) read() string {
	data, _, err := wsutil.ReadServerData(c.conn)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// The connection under a socket (Node: socket.conn), its events, and the
// handshake's HTTP request (Node: socket.request) with what HTTP
// middleware put in its context.
func ExampleSocket_Conn() {
	type userKey struct{}
	srv := actorio.NewServer(nil)
	defer srv.Close()
	ready := make(chan struct{})
	packets := make(chan string, 1)
	closed := make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		r := s.Request()
		theme, err := r.Cookie("theme")
		if err != nil {
			theme = &http.Cookie{}
		}
		fmt.Println("user:", r.Context().Value(userKey{}), "theme:", theme.Value)

		conn := s.Conn() // shared by the client's sockets in every namespace
		fmt.Println("transport:", conn.Transport(), "protocol:", conn.Protocol())
		conn.OnPacket(func(p actorio.EnginePacket) { packets <- p.Type.String() + " " + string(p.Data) })
		conn.OnClose(func(reason string) { closed <- reason })
		close(ready)
	})
	// HTTP middleware in front of the server: the values it sets in the
	// request's context are in Socket.Request().Context().
	withUser := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "alice")))
	})
	web := httptest.NewServer(withUser)
	defer web.Close()

	c := exampleClientWithHeader(web.URL, http.Header{"Cookie": {"theme=dark"}}, "40")
	<-ready
	c.send(`42["hi"]`)
	fmt.Println("packet:", <-packets)
	srv.Of("/").DisconnectSockets(true) // the server closes the connection
	fmt.Println("closed:", <-closed)
	// Output:
	// user: alice theme: dark
	// transport: websocket protocol: 4
	// packet: message 2["hi"]
	// closed: forced close
}

// Whether the client asked for an acknowledgement is known before
// answering (Node: typeof lastArg === "function"); asking does not use the
// ack up.
func ExampleAck_Requested() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("save", func(doc string, ack actorio.Ack) {
			if !ack.Requested() {
				_ = s.Emit("saved", doc) // no callback: tell the client another way
				return
			}
			_ = ack.Send("saved " + doc)
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`42["save","a"]`)  // no ack id
	c.send(`427["save","b"]`) // ack id 7
	fmt.Println(c.read())
	fmt.Println(c.read())
	// Output:
	// 42["saved","a"]
	// 437["saved b"]
}

// A reply built from received values keeps their key order and their
// binary (Node: ack({response: [...args]})), with either parser.
func ExampleValue() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("upload", func(a actorio.Args, ack actorio.Ack) error {
			args := make([]actorio.Value, a.Len())
			for i := range args {
				if err := a.Decode(i, &args[i]); err != nil {
					return err
				}
			}
			file := args[0].Map()
			fmt.Println(file.Keys(), file.Get("name"), file.Get("data").Bytes())
			return ack.Send(map[string]any{"response": args})
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	// {name: "a.bin", data: Buffer<ca fe>, size: 2}, with ack id 1.
	c.send(`451-1["upload",{"name":"a.bin","data":{"_placeholder":true,"num":0},"size":2}]`)
	_ = writeBinary(c.conn, []byte{0xca, 0xfe})
	fmt.Println(c.read())
	fmt.Printf("% x\n", c.read())
	// Output:
	// [name data size] a.bin [202 254]
	// 461-1[{"response":[{"name":"a.bin","data":{"_placeholder":true,"num":0},"size":2}]}]
	// ca fe
}

// The auth payload decodes alike with both parsers; into a Value it keeps
// its key order (and, with msgpack, its binary). Node: socket.handshake.auth.
func ExampleHandshake_DecodeAuth() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		var auth struct {
			Token string `json:"token"`
		}
		var all actorio.Value
		if err := s.Handshake().DecodeAuth(&auth); err != nil {
			s.Disconnect(true)
			return
		}
		_ = s.Handshake().DecodeAuth(&all)
		_ = s.Emit("welcome", auth.Token, all.Map().Keys())
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, `40{"token":"t1","room":"r"}`)
	fmt.Println(c.read())
	// Output: 42["welcome","t1",["token","room"]]
}

// A handler asks its client and returns at once: the answer (or the
// timeout) comes later to a callback, which runs on the socket's handler
// goroutine, in order with its event handlers, as Node's
// socket.timeout(t).emit(ev, ..., (err, answer) => {}).
func ExampleSocket_EmitWithAckFunc() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	answered, timedOut := make(chan string, 1), make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("quiz", func() {
			_ = s.Timeout(5*time.Second).EmitWithAckFunc("question", []any{"6 x 7?"}, func(a actorio.Args, err error) {
				var n int
				if err == nil {
					err = a.Decode(0, &n)
				}
				answered <- fmt.Sprint("answer ", n, ", error ", err)
			})
			_ = s.Timeout(50*time.Millisecond).EmitWithAckFunc("still there?", nil, func(_ actorio.Args, err error) {
				timedOut <- fmt.Sprint("timed out: ", errors.Is(err, actorio.ErrAckTimeout))
			})
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`42["quiz"]`)
	fmt.Println(c.read())
	fmt.Println(c.read())
	c.send(`430[42]`) // answers the question, not the second one
	fmt.Println(<-answered)
	fmt.Println(<-timedOut)
	// Output:
	// 420["question","6 x 7?"]
	// 421["still there?"]
	// answer 42, error <nil>
	// timed out: true
}
