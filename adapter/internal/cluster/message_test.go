package cluster

import (
	"bytes"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// wireMessages are messages of every type Core sends, with what a client
// would notice if lost: key order, binary, integers against floats,
// strings JSON.stringify escapes in its own way.
func wireMessages(t *testing.T) []struct {
	name string
	m    *Message
	json string // JSON.stringify's, or "" when the message goes as msgpack
} {
	t.Helper()
	packet := func(data ...any) *value.Map { return object("type", int64(2), "data", data) }
	opts := encodeOptions(adapter.BroadcastOptions{Rooms: []string{"r1", "r2"}, Except: []string{"x"}, Flags: adapter.Flags{Compress: true}})
	optsFlags := encodeOptions(adapter.BroadcastOptions{Flags: adapter.Flags{Volatile: true, Compress: true, TimeoutMillis: 3000}})
	sock := object("id", "abcdefghijklmnopqrst", "handshake", object("headers", object("host", "h"), "time", "t", "issued", int64(1700000000000), "query", object("EIO", "4")),
		"rooms", []any{"abcdefghijklmnopqrst", "r"}, "data", object("n", 1.5))
	return []struct {
		name string
		m    *Message
		json string
	}{
		{"broadcast", &Message{UID: "0123456789abcdef", Nsp: "/", Type: Broadcast, Data: object("packet", packet("ev", int64(1), "é\u2028<>&\"\\\n"), "opts", opts)},
			`{"type":3,"data":{"packet":{"type":2,"data":["ev",1,"é` + "\u2028" + `<>&\"\\\n"]},"opts":{"rooms":["r1","r2"],"except":["x"],"flags":{}}},"uid":"0123456789abcdef","nsp":"/"}`},
		{"broadcast binary", &Message{UID: "u", Nsp: "/chat", Type: Broadcast, Data: object("packet", packet("bin", []byte{1, 2, 3}, object("nested", []byte{4})), "opts", opts)}, ""},
		{"broadcast with ack", &Message{UID: "u", Nsp: "/", Type: Broadcast, Data: object("packet", packet("q", 2.5, int64(-70000), int64(4294967296)), "requestId", "r", "opts", optsFlags)},
			`{"type":3,"data":{"packet":{"type":2,"data":["q",2.5,-70000,4294967296]},"requestId":"r","opts":{"rooms":[],"except":[],"flags":{"volatile":true,"timeout":3000}}},"uid":"u","nsp":"/"}`},
		{"sockets join", &Message{UID: "u", Nsp: "/", Type: SocketsJoin, Data: object("opts", opts, "rooms", []any{"a"})},
			`{"type":4,"data":{"opts":{"rooms":["r1","r2"],"except":["x"],"flags":{}},"rooms":["a"]},"uid":"u","nsp":"/"}`},
		{"disconnect", &Message{UID: "u", Nsp: "/", Type: DisconnectSockets, Data: object("opts", opts, "close", true)},
			`{"type":6,"data":{"opts":{"rooms":["r1","r2"],"except":["x"],"flags":{}},"close":true},"uid":"u","nsp":"/"}`},
		{"fetch sockets", &Message{UID: "u", Nsp: "/", Type: FetchSockets, Data: object("opts", opts, "requestId", "r")},
			`{"type":7,"data":{"opts":{"rooms":["r1","r2"],"except":["x"],"flags":{}},"requestId":"r"},"uid":"u","nsp":"/"}`},
		{"fetch sockets response", &Message{UID: "u", Nsp: "/", Type: FetchSocketsResponse, Data: object("requestId", "r", "sockets", []any{sock})},
			`{"type":8,"data":{"requestId":"r","sockets":[{"id":"abcdefghijklmnopqrst","handshake":{"headers":{"host":"h"},"time":"t","issued":1700000000000,"query":{"EIO":"4"}},"rooms":["abcdefghijklmnopqrst","r"],"data":{"n":1.5}}]},"uid":"u","nsp":"/"}`},
		{"server side emit", &Message{UID: "u", Nsp: "/", Type: ServerSideEmit, Data: object("requestId", "r", "packet", []any{"ping", nil, true})},
			`{"type":9,"data":{"requestId":"r","packet":["ping",null,true]},"uid":"u","nsp":"/"}`},
		{"server side emit binary", &Message{UID: "u", Nsp: "/", Type: ServerSideEmit, Data: object("packet", []any{"ping", []byte{}})}, ""},
		{"server side emit response", &Message{UID: "u", Nsp: "/", Type: ServerSideEmitResponse, Data: object("requestId", "r", "packet", object("from", "go"))},
			`{"type":10,"data":{"requestId":"r","packet":{"from":"go"}},"uid":"u","nsp":"/"}`},
		{"client count", &Message{UID: "u", Nsp: "/", Type: BroadcastClientCount, Data: object("requestId", "r", "clientCount", int64(0))},
			`{"type":11,"data":{"requestId":"r","clientCount":0},"uid":"u","nsp":"/"}`},
		{"broadcast ack", &Message{UID: "u", Nsp: "/", Type: BroadcastAck, Data: object("requestId", "r", "packet", []byte{9})}, ""},
		{"heartbeat", &Message{UID: "u", Nsp: "/", Type: Heartbeat}, `{"type":2,"uid":"u","nsp":"/"}`},
	}
}

func TestMessageJSON(t *testing.T) {
	for _, tt := range wireMessages(t) {
		if tt.json == "" {
			if !tt.m.HasBinary() {
				t.Errorf("%s: HasBinary() = false, want true", tt.name)
			}
			continue
		}
		got, err := tt.m.JSON()
		if err != nil || string(got) != tt.json {
			t.Errorf("%s: JSON() = %s, %v, want %s", tt.name, got, err, tt.json)
		}
		back, err := Decode(got)
		if err != nil {
			t.Fatalf("Decode(%q) = %v", got, err)
		}
		again, _ := back.JSON()
		if !bytes.Equal(again, got) {
			t.Errorf("Decode(%q) re-encodes as %s", got, again)
		}
	}
}

// TestMessageNode checks the bytes against the Node adapters' own encoders:
// Node decodes what Go wrote and encodes it again with notepack.io,
// @msgpack/msgpack and JSON.stringify; each must equal Go's encoding.
func TestMessageNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: the cross-check needs Node.js and the npm packages (npm ci)")
	}
	msgs := wireMessages(t)
	args := []string{filepath.Join("testdata", "reencode.js")}
	for _, tt := range msgs {
		b, err := tt.m.Msgpack()
		if err != nil {
			t.Fatalf("%s: Msgpack() = %v", tt.name, err)
		}
		args = append(args, hex.EncodeToString(b))
	}
	out, err := exec.Command(node, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node reencode.js: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("node wrote %d lines, want %d:\n%s", len(lines), len(msgs), out)
	}
	for i, tt := range msgs {
		f := strings.SplitN(lines[i], "\t", 3)
		ours := args[i+1]
		if f[0] != ours {
			t.Errorf("%s: notepack.encode = %s, Go = %s", tt.name, f[0], ours)
		}
		if f[1] != ours {
			t.Errorf("%s: @msgpack/msgpack encode = %s, Go = %s", tt.name, f[1], ours)
		}
		if tt.json != "" && f[2] != tt.json {
			t.Errorf("%s: JSON.stringify = %s, want %s", tt.name, f[2], tt.json)
		}
		back, err := DecodeMsgpack(mustHex(t, ours))
		if err != nil {
			t.Fatalf("%s: DecodeMsgpack = %v", tt.name, err)
		}
		if b, _ := back.Msgpack(); hex.EncodeToString(b) != ours {
			t.Errorf("%s: msgpack round trip = %x, want %s", tt.name, b, ours)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not JSON", "{x"},
		{"array", "[1]"},
		{"no type", `{"uid":"u","nsp":"/"}`},
		{"type out of range", `{"type":14,"uid":"u","nsp":"/"}`},
		{"type not integer", `{"type":3.5,"uid":"u","nsp":"/"}`},
		{"type a string", `{"type":"3","uid":"u","nsp":"/"}`},
		{"data not an object", `{"type":3,"data":[1],"uid":"u","nsp":"/"}`},
		{"msgpack truncated", "\x84\xa4type"},
	}
	for _, tt := range tests {
		if m, err := Decode([]byte(tt.in)); err == nil {
			t.Errorf("%s: Decode(%q) = %+v, want an error", tt.name, tt.in, m)
		}
	}
}

func TestOptionsRoundTrip(t *testing.T) {
	tests := []adapter.BroadcastOptions{
		{Rooms: []string{"a"}, Except: []string{"b"}, Flags: adapter.Flags{Compress: true}},
		{Flags: adapter.Flags{Volatile: true, TimeoutMillis: 5}},
		{Flags: adapter.Flags{Local: true, Compress: true}},
	}
	for _, in := range tests {
		got, err := decodeOptions(encodeOptions(in))
		if err != nil || len(got.Rooms) != len(in.Rooms) || len(got.Except) != len(in.Except) || got.Flags != in.Flags {
			t.Errorf("decodeOptions(encodeOptions(%+v)) = %+v, %v", in, got, err)
		}
	}
	// Node's flags as Node sets them: compress absent is on.
	node, _ := Decode([]byte(`{"type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":["r"],"except":[],"flags":{"volatile":true,"compress":false,"timeout":2.0}}},"uid":"u","nsp":"/"}`))
	_, opts, _, err := BroadcastOf(node.Data)
	want := adapter.Flags{Volatile: true, Compress: false, TimeoutMillis: 2}
	if err != nil || opts.Flags != want {
		t.Errorf("BroadcastOf(node flags) = %+v, %v, want %+v", opts.Flags, err, want)
	}
}

func TestPacketSIO(t *testing.T) {
	for _, f := range []adapter.Format{adapter.FormatJSON, adapter.FormatMsgpack} {
		data, atts, _ := value.ToData(f, []any{"ev", []byte{7}})
		pkt, err := encodePacket(f, &sio.Packet{Type: sio.Event, Namespace: "/n", Data: data, Attachments: atts, ID: 4, HasID: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := pkt.Get("id"); ok {
			t.Errorf("format %d: encodePacket kept the ack id: %v", f, pkt.Keys)
		}
		p, err := PacketSIO(f, pkt, "/n", "1-0")
		if err != nil {
			t.Fatal(err)
		}
		vals, _ := value.FromData(f, p.Data, p.Attachments)
		if p.Namespace != "/n" || len(vals) != 3 || vals[2] != "1-0" {
			t.Errorf("format %d: PacketSIO = %+v %v", f, p, vals)
		}
		// The offset is appended to a copy: the cluster packet is unchanged.
		if d, _ := pkt.Get("data"); len(d.([]any)) != 2 {
			t.Errorf("format %d: PacketSIO changed its input: %v", f, d)
		}
	}
}
