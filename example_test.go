package actorio_test

import (
	"context"
	"fmt"
	"net"
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
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
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
