package actorio_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/actorio/actorio"
)

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
