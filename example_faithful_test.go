package actorio_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/actorio/actorio"
)

// Forwarded arguments may be nested in other values; they keep their
// binary attachments, renumbered in the outgoing packet.
func ExampleArgs_Forward() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("relay", func(a actorio.Args) {
			_ = s.Emit("relayed", map[string]any{"from": "server", "args": a.Forward()})
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`451-["relay","note",{"file":{"_placeholder":true,"num":0}}]`)
	_ = writeBinary(c.conn, []byte{0xca, 0xfe})
	fmt.Println(c.read())
	fmt.Printf("% x\n", c.read())
	// Output:
	// 451-["relayed",{"args":["note",{"file":{"_placeholder":true,"num":0}}],"from":"server"}]
	// ca fe
}

// An event whose arguments do not fit the handler's types reaches the
// socket's error listeners; the handler is not called, and the listener
// may answer the client's ack in the application's own way.
func ExampleArgumentError() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("move", func(x, y int, ack actorio.Ack) { _ = ack.Send("moved") })
		s.OnError(func(err error) {
			var ae *actorio.ArgumentError
			if errors.As(err, &ae) {
				fmt.Printf("event %s, argument %d: want %v\n", ae.Event, ae.Index, ae.Type)
				_ = ae.Ack.Send(map[string]string{"error": "bad arguments"})
			}
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`421["move",1,"two"]`)
	fmt.Println(c.read())
	// Output:
	// event move, argument 1: want int
	// 431[{"error":"bad arguments"}]
}
