package actorio_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/vmihailenco/msgpack/v5"
)

// Wire-level tests of what a server sends when arguments it received are
// forwarded inside other values, and of emits that cannot be encoded: with
// each parser, the exact bytes a client receives.

// parserClient speaks raw WebSocket frames with one parser.
type parserClient struct {
	t       *testing.T
	c       net.Conn
	msgpack bool
}

func dialParser(t *testing.T, base string, msgpack bool) *parserClient {
	t.Helper()
	return &parserClient{t: t, c: sioConn(t, base), msgpack: msgpack}
}

// sendPacket sends p as its parser encodes it, Data in that parser's form.
func (p *parserClient) sendPacket(pkt sio.Packet) {
	p.t.Helper()
	var parser sio.Parser = sio.JSON
	if p.msgpack {
		parser = msgpackparser.Parser
	}
	for _, m := range parser.Encode(&pkt) {
		var err error
		if m.Binary {
			err = wsutil.WriteClientBinary(p.c, m.Data)
		} else {
			err = wsutil.WriteClientText(p.c, append([]byte{'4'}, m.Data...)) // an Engine.IO message
		}
		if err != nil {
			p.t.Fatal(err)
		}
	}
}

// nextPacket reads the next Socket.IO packet, attachments included.
func (p *parserClient) nextPacket() sio.Packet {
	p.t.Helper()
	var dec sio.PacketDecoder = &sio.Decoder{MaxAttachments: 10}
	if p.msgpack {
		dec = msgpackparser.Parser.NewDecoder(0)
	}
	for {
		data, op := next(p.t, p.c)
		if op == ws.OpText && !p.msgpack {
			data = data[1:] // the Engine.IO message type
		}
		pkt, done, err := dec.Add([]byte(data), op == ws.OpBinary)
		if err != nil {
			p.t.Fatalf("decoding %q: %v", data, err)
		}
		if done {
			return pkt
		}
	}
}

func (p *parserClient) connect() {
	p.t.Helper()
	p.sendPacket(sio.Packet{Type: sio.Connect, Namespace: "/"})
	if got := p.nextPacket(); got.Type != sio.Connect {
		p.t.Fatalf("CONNECT answered %+v", got)
	}
}

// mp is msgpack as the npm parser writes it: compact integers, and here
// map keys sorted, as the server's encoder writes them.
func mp(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type forwardHolder struct {
	Fwd  any   `json:"fwd"`
	List []any `json:"list"`
}

func TestForwardNested(t *testing.T) {
	for _, parser := range []string{"json", "msgpack"} {
		t.Run(parser, func(t *testing.T) {
			opts := &actorio.Options{}
			if parser == "msgpack" {
				opts.Parser = actorio.ParserMsgpack
			}
			srv, base := startServer(t, opts)
			srv.OnConnection(func(s *actorio.Socket) {
				_ = s.On("relay", func(a actorio.Args, ack actorio.Ack) error {
					fwd := a.Forward()
					if err := ack.Send(map[string]any{"echo": fwd[1]}, []any{fwd[0], fwd}); err != nil {
						return err
					}
					return s.Emit("nested",
						map[string]any{"all": fwd, "pre": []byte{1}},
						forwardHolder{Fwd: fwd[1], List: fwd},
						&forwardHolder{Fwd: fwd[2]})
				})
			})
			c := dialParser(t, base, parser == "msgpack")
			c.connect()

			// The client sends "relay" with a text, binary at depth and a
			// null, asking for an ack.
			blob := []byte{9, 8, 7}
			relay := sio.Packet{Type: sio.Event, Namespace: "/", ID: 7, HasID: true}
			if c.msgpack {
				relay.Data = mp(t, []any{"relay", "text", map[string]any{"bin": blob, "n": 1}, nil})
			} else {
				relay.Data = []byte(`["relay","text",{"bin":{"_placeholder":true,"num":0},"n":1},null]`)
				relay.Attachments = [][]byte{blob}
			}
			c.sendPacket(relay)

			arg1 := map[string]any{"bin": blob, "n": 1}
			checks := []struct {
				what     string
				wantType sio.PacketType
				json     string // with the default parser: data, then attachments
				atts     [][]byte
				msgpack  any // with msgpack: the data, as the npm parser writes it
			}{
				{"ack", sio.Ack,
					`[{"echo":{"bin":{"_placeholder":true,"num":0},"n":1}},["text",["text",{"bin":{"_placeholder":true,"num":1},"n":1},null]]]`,
					[][]byte{blob, blob},
					[]any{map[string]any{"echo": arg1}, []any{"text", []any{"text", arg1, nil}}}},
				{"event", sio.Event,
					`["nested",{"all":["text",{"bin":{"_placeholder":true,"num":0},"n":1},null],"pre":{"_placeholder":true,"num":1}},` +
						`{"fwd":{"bin":{"_placeholder":true,"num":2},"n":1},"list":["text",{"bin":{"_placeholder":true,"num":3},"n":1},null]},` +
						`{"fwd":null,"list":null}]`,
					[][]byte{blob, {1}, blob, blob},
					[]any{"nested", map[string]any{"all": []any{"text", arg1, nil}, "pre": []byte{1}},
						map[string]any{"fwd": arg1, "list": []any{"text", arg1, nil}},
						map[string]any{"fwd": nil, "list": nil}}},
			}
			for _, check := range checks {
				got := c.nextPacket()
				if got.Type != check.wantType {
					t.Fatalf("%s: got a %v packet, want %v", check.what, got.Type, check.wantType)
				}
				if c.msgpack {
					if want := mp(t, check.msgpack); !bytes.Equal(got.Data, want) {
						t.Errorf("%s: client got\n\t%s\nwant\n\t%s", check.what, hex.EncodeToString(got.Data), hex.EncodeToString(want))
					}
					continue
				}
				if string(got.Data) != check.json || fmt.Sprint(got.Attachments) != fmt.Sprint(check.atts) {
					t.Errorf("%s: client got\n\t%s %v\nwant\n\t%s %v", check.what, got.Data, got.Attachments, check.json, check.atts)
				}
			}
		})
	}
}

// An emit or ack that cannot be encoded is an error naming the argument,
// and nothing is sent.
func TestEmitUnencodable(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for _, parser := range []string{"json", "msgpack"} {
		t.Run(parser, func(t *testing.T) {
			opts := &actorio.Options{}
			other := &actorio.Options{Parser: actorio.ParserMsgpack}
			if parser == "msgpack" {
				opts, other = other, opts
			}
			// Arguments received by a server with the other parser.
			otherSrv, otherBase := startServer(t, other)
			foreign := make(chan []any, 1)
			otherSrv.OnConnection(func(s *actorio.Socket) {
				_ = s.On("give", func(a actorio.Args) { foreign <- a.Forward() })
			})
			oc := dialParser(t, otherBase, parser == "json")
			oc.connect()
			give := sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte(`["give",1]`)}
			if oc.msgpack {
				give.Data = mp(t, []any{"give", 1})
			}
			oc.sendPacket(give)
			fromOther := testkit.Recv(t, foreign, "the other server's handler")

			srv, base := startServer(t, opts)
			errs := make(chan string, 16)
			srv.OnConnection(func(s *actorio.Socket) {
				_ = s.On("try", func(ack actorio.Ack) {
					for _, args := range [][]any{
						{map[string]any{"c": make(chan int)}},
						{"ok", []any{func() {}}},
						{cyclic},
						{map[string]any{"from": fromOther[0]}},
					} {
						if err := s.Emit("bad", args...); err != nil {
							errs <- "emit: " + err.Error()
						} else {
							errs <- "emit: sent"
						}
					}
					if err := ack.Send(1, map[string]any{"c": make(chan int)}); err != nil {
						errs <- "ack: " + err.Error()
					}
					errs <- "done"
					_ = s.Emit("after")
				})
			})
			c := dialParser(t, base, parser == "msgpack")
			c.connect()
			try := sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte(`["try"]`), ID: 3, HasID: true}
			if c.msgpack {
				try.Data = mp(t, []any{"try"})
			}
			c.sendPacket(try)
			want := []string{
				`emit: actorio: event "bad" argument 0: json: unsupported type: chan int`,
				`emit: actorio: event "bad" argument 1: json: unsupported type: func()`,
				`emit: actorio: event "bad" argument 0: json: unsupported value: encountered a cycle via map[string]interface {}`,
				`emit: actorio: event "bad" argument 0: actorio: a forwarded argument can only be sent by a server with the parser it was received with`,
				`ack: actorio: ack argument 1: json: unsupported type: chan int`,
				"done",
			}
			for _, w := range want {
				got := testkit.Recv(t, errs, w)
				if !strings.HasPrefix(got, w) {
					t.Errorf("got %q, want %q", got, w)
				}
			}
			// Nothing reached the client before "after": no {} in place of
			// what failed, no ack.
			got := c.nextPacket()
			var name string
			if c.msgpack {
				_ = msgpack.Unmarshal(got.Data, &[]any{&name})
			} else {
				name = strings.Trim(strings.Trim(string(got.Data), "[]"), `"`)
			}
			if got.Type != sio.Event || name != "after" {
				t.Errorf("client's next packet = %v %q, want the event \"after\"", got.Type, got.Data)
			}
		})
	}
}
