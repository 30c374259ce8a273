package emitter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// sameAsNode are operations a Node server on @socket.io/redis-streams-adapter
// makes (node: the event its client sends to testdata/cluster/node_server.js,
// and its arguments) and the same made with the Go streams emitter (call).
var sameAsNode = []struct {
	name string
	node []any
	call func(ctx context.Context, e *emitter.Emitter) error
}{
	{"to a room", []any{"to", "r", "ev", map[string]any{"a": 1, "b": []any{true, nil, "s", 1.5}}},
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r").Emit(ctx, "ev", map[string]any{"a": 1, "b": []any{true, nil, "s", 1.5}})
		}},
	{"binary", []any{"emitBinary", "r"},
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r").Emit(ctx, "bin", []byte{1, 2, 3}, map[string]any{"nested": []byte{4}})
		}},
	{"to a room except", []any{"toExcept", "r", "x", "ev2", 5},
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r").Except("x").Emit(ctx, "ev2", 5)
		}},
	{"socketsJoin", []any{"remoteJoin", "r", "r2"},
		func(ctx context.Context, e *emitter.Emitter) error { return e.In("r").SocketsJoin(ctx, "r2") }},
	{"socketsLeave", []any{"remoteLeave", "r", "r2"},
		func(ctx context.Context, e *emitter.Emitter) error { return e.In("r").SocketsLeave(ctx, "r2") }},
	{"disconnectSockets", []any{"remoteDisconnect", "nobody"},
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("nobody").DisconnectSockets(ctx, true)
		}},
}

// decodedData is what testdata/streams_data.js says of an entry's data.
type decodedData struct {
	Form  string          `json:"form"`
	Value json.RawMessage `json:"value"`
	Same  bool            `json:"same"`
}

// TestStreamsEntriesAsNode makes each operation on a Node socket.io server
// with @socket.io/redis-streams-adapter and with the Go streams emitter,
// reads both entries back from the stream (XRANGE) and checks that they
// have the same fields in the same order, the same nsp and type, data in
// the same form (JSON or base64 msgpack) and, decoded by the adapter's own
// decoders, the same value. What the emitter writes differently, as
// @socket.io/redis-streams-emitter's source does, is allowed and checked:
// its uid "emitter", the broadcast packet's nsp (the Node adapter
// publishes the packet before nsp is set), and the broadcast opts' key
// order ({rooms, flags, except}; TestStreamsEntries checks the order); the
// data of the other operations is the same bytes as Node's. The
// adapter's @msgpack/msgpack and JSON.stringify, given the value they
// decoded from the emitter's data, write that data again byte for byte.
//
// serverSideEmit is not here: the Node adapter sends its own over Pub/Sub,
// while the emitter appends it to the stream, where every server reads it
// too (TestStreamsMixedCluster).
func TestStreamsEntriesAsNode(t *testing.T) {
	rs := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: rs.URL(), Adapter: "streams"})
	cl := clustertest.StartClients(t)
	cl.Connect("n", node.URL())
	cl.Call("n", "join", "r")
	client := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.Timeout)
	defer cancel()

	e := emitter.NewStreams(client, nil)
	for _, op := range sameAsNode {
		cl.Call("n", op.node[0].(string), op.node[1:]...)
		if err := op.call(ctx, e); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
	}
	// The Node server's XADD may land after the emitter's that follows it:
	// each writer's entries are in order, so they are paired by writer.
	var theirs, ours []entry
	testkit.Eventually(t, "both writers' entries in the stream", func() bool {
		theirs, ours = nil, nil
		for _, en := range xrange(t, ctx, client, "socket.io", "-") {
			if en.get("uid") == "emitter" {
				ours = append(ours, en)
			} else {
				theirs = append(theirs, en)
			}
		}
		return len(theirs) >= len(sameAsNode) && len(ours) >= len(sameAsNode)
	})
	if len(theirs) != len(sameAsNode) || len(ours) != len(sameAsNode) {
		t.Fatalf("%d entries from Node, %d from the emitter, want %d each", len(theirs), len(ours), len(sameAsNode))
	}

	var data []string
	for i := range sameAsNode {
		data = append(data, ours[i].get("data"), theirs[i].get("data"))
	}
	in, _ := json.Marshal(data)
	var decoded []decodedData
	if err := json.Unmarshal(runNodeToEnd(t, ctx, in, "testdata/streams_data.js"), &decoded); err != nil || len(decoded) != len(data) {
		t.Fatalf("streams_data.js: %v (%d results for %d entries)", err, len(decoded), len(data))
	}

	for i, op := range sameAsNode {
		t.Run(op.name, func(t *testing.T) {
			o, n := ours[i], theirs[i]
			if got, want := o.names(), n.names(); !slices.Equal(got, want) {
				t.Errorf("fields %q, want %q (Node)", got, want)
			}
			for _, f := range []string{"nsp", "type"} {
				if got, want := o.get(f), n.get(f); got != want {
					t.Errorf("%s = %q, want %q (Node)", f, got, want)
				}
			}
			od, nd := decoded[2*i], decoded[2*i+1]
			if od.Form != nd.Form {
				t.Errorf("data form %s, want %s (Node)", od.Form, nd.Form)
			}
			if !od.Same || !nd.Same {
				t.Errorf("data written again by the adapter's encoder: same as the emitter's %v, as Node's %v; want both (data %q)", od.Same, nd.Same, o.get("data"))
			}
			if o.get("type") != "3" {
				// A request: the emitter's opts have the adapter's own key order.
				if got, want := o.get("data"), n.get("data"); got != want {
					t.Errorf("data = %s, want %s (Node)", got, want)
				}
				return
			}
			got, want := withoutPacketNsp(t, od.Value, o.get("nsp")), canonical(t, nd.Value)
			if got != want {
				t.Errorf("data =\n\t%s\nwant (Node)\n\t%s", got, want)
			}
		})
	}
}

// withoutPacketNsp is a data value as canonical JSON, its packet's nsp
// (which must be nsp when there is a packet object) taken out.
func withoutPacketNsp(t *testing.T, raw json.RawMessage, nsp string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	if p, ok := v["packet"].(map[string]any); ok {
		if p["nsp"] != nsp {
			t.Errorf("packet nsp = %v, want %q", p["nsp"], nsp)
		}
		delete(p, "nsp")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// canonical is raw with its keys sorted.
func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return string(bytes.TrimSpace(b.Bytes()))
}

// TestStreamsDataAsMsgpack checks, value by value, that the emitter's
// binary data is what @msgpack/msgpack 2.8 (the streams adapter's and
// @socket.io/redis-streams-emitter's encoder) writes for the value it
// decodes from it: integers in their smallest form, floats as float64,
// strings and binary at every length boundary, key order.
//
// One known difference: an integer of magnitude 2^53 or more is written as
// a 64-bit integer, as notepack.io writes it (the value package serves the
// pub/sub format too), where @msgpack/msgpack, holding a JavaScript number
// that is no safe integer, writes a float64. Both decoders read the same
// number back (want).
func TestStreamsDataAsMsgpack(t *testing.T) {
	calls := []struct {
		name     string
		args     []any
		wantSame bool
		want     string // the arguments as the decoder read them, when not the same
	}{
		{"integers", []any{0, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -1 << 31, -1<<31 - 1, -(1<<53 - 1)}, true, ""},
		{"floats", []any{1.5, 0.1, -2.25, 1e300, -1e-300, 1e21}, true, ""},
		{"strings", []any{"", "é😀\u2028", string(bytes.Repeat([]byte("x"), 31)), string(bytes.Repeat([]byte("x"), 32)), string(bytes.Repeat([]byte("y"), 255)), string(bytes.Repeat([]byte("y"), 256)), string(bytes.Repeat([]byte("z"), 65536))}, true, ""},
		{"binary", []any{[]byte{}, bytes.Repeat([]byte{7}, 255), bytes.Repeat([]byte{8}, 256), bytes.Repeat([]byte{9}, 65536)}, true, ""},
		{"containers", []any{map[string]any{"z": 1, "a": []any{}, "m": map[string]any{}}, make([]int, 15), make([]int, 16), make([]int, 65536)}, true, ""},
		{"integers from 2^53", []any{1 << 53, -1 << 53, 1 << 60, uint64(1) << 63}, false,
			`[9007199254740992,-9007199254740992,1152921504606847000,9223372036854776000]`}, // 2^60 and 2^63, as JavaScript prints them
	}
	client := goredis.NewClient(&goredis.Options{Addr: startRedis(t)})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	e := emitter.NewStreams(client, nil)
	for _, c := range calls {
		// A []byte makes the data msgpack.
		if err := e.Emit(ctx, "ev", append([]any{[]byte{1}}, c.args...)...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	entries := xrange(t, ctx, client, "socket.io", "-")
	if len(entries) != len(calls) {
		t.Fatalf("%d entries, want %d", len(entries), len(calls))
	}
	var data []string
	for _, en := range entries {
		data = append(data, en.get("data"))
	}
	in, _ := json.Marshal(data)
	var decoded []decodedData
	if err := json.Unmarshal(runNodeToEnd(t, ctx, in, "testdata/streams_data.js"), &decoded); err != nil || len(decoded) != len(data) {
		t.Fatalf("streams_data.js: %v (%d results for %d entries)", err, len(decoded), len(data))
	}
	for i, c := range calls {
		d := decoded[i]
		if d.Form != "msgpack" || d.Same != c.wantSame {
			t.Errorf("%s: form %s, written again the same %v, want msgpack and %v", c.name, d.Form, d.Same, c.wantSame)
		}
		if c.want == "" {
			continue
		}
		var v struct {
			Packet struct {
				Data []json.RawMessage `json:"data"`
			} `json:"packet"`
		}
		if err := json.Unmarshal(d.Value, &v); err != nil || len(v.Packet.Data) < 2 {
			t.Fatalf("%s: decoded %s: %v", c.name, d.Value, err)
		}
		args, _ := json.Marshal(v.Packet.Data[2:]) // after the event and the []byte
		if string(args) != c.want {
			t.Errorf("%s: decoded arguments %s, want %s", c.name, args, c.want)
		}
	}
}
