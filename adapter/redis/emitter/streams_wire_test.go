package emitter_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/value"
)

// entry is a stream entry as XRANGE returns it: its fields in the order
// they were written.
type entry struct {
	id     string
	fields []string // name, value, name, value...
}

// get returns field name's value.
func (e entry) get(name string) string {
	for i := 0; i+1 < len(e.fields); i += 2 {
		if e.fields[i] == name {
			return e.fields[i+1]
		}
	}
	return ""
}

// names are the entry's field names, in order.
func (e entry) names() []string {
	var out []string
	for i := 0; i < len(e.fields); i += 2 {
		out = append(out, e.fields[i])
	}
	return out
}

// xrange reads stream's entries after id after ("-": all) with field order
// kept (go-redis's XRange returns the fields as a map).
func xrange(t *testing.T, ctx context.Context, c goredis.UniversalClient, stream, after string) []entry {
	t.Helper()
	start := "-"
	if after != "-" {
		start = "(" + after
	}
	res, err := c.Do(ctx, "XRANGE", stream, start, "+").Slice()
	if err != nil {
		t.Fatalf("XRANGE %s: %v", stream, err)
	}
	out := make([]entry, 0, len(res))
	for _, r := range res {
		pair := r.([]any)
		e := entry{id: pair[0].(string)}
		for _, f := range pair[1].([]any) {
			e.fields = append(e.fields, f.(string))
		}
		out = append(out, e)
	}
	return out
}

// dataJSON is an entry's data as JSON: itself when it is JSON, its msgpack
// decoded (binary as Node's Buffer JSON) when it is base64, with the form
// named.
func dataJSON(data string) (string, error) {
	if data == "" || data[0] == '{' {
		return "json " + data, nil
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return "", err
	}
	v, err := value.UnmarshalAny(b)
	if err != nil {
		return "", err
	}
	j, _, err := value.AppendJSON(nil, v, nil, false)
	return "msgpack " + string(j), err
}

// TestStreamsEntries checks the entries the streams emitter appends against
// what @socket.io/redis-streams-emitter 0.1's source writes for the same
// calls (lib/index.ts: its BroadcastOperator builds data, flattenPayload
// the fields): fields uid, nsp, type, data in that order; data's keys in
// that source's order; msgpack only for the types that may carry binary
// and do. The npm package is not on the registry: TestStreamsEntriesAsNode
// checks the same entries against what the Node adapter itself writes.
func TestStreamsEntries(t *testing.T) {
	const opts = `"opts":{"rooms":["r1"],"except":["r2"],"flags":{}}`
	tests := []struct {
		name   string
		call   func(ctx context.Context, e *emitter.Emitter) error
		stream string
		nsp    string
		typ    string
		data   string // dataJSON's
	}{
		{"to all", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", 1, "two", map[string]any{"b": 1, "a": []any{nil, true, 1.5}})
		}, "socket.io", "/", "3",
			`json {"packet":{"type":2,"data":["ev",1,"two",{"a":[null,true,1.5],"b":1}],"nsp":"/"},"opts":{"rooms":[],"flags":{},"except":[]}}`},
		{"rooms, except, flags in the order set", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r1", "r2").In("r1").Except("x").Volatile().Compress(false).Volatile().Emit(ctx, "ev")
		}, "socket.io", "/", "3",
			`json {"packet":{"type":2,"data":["ev"],"nsp":"/"},"opts":{"rooms":["r1","r2"],"flags":{"volatile":true,"compress":false},"except":["x"]}}`},
		{"binary", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r").Emit(ctx, "bin", []byte{1, 2, 3}, map[string]any{"nested": []byte{4}})
		}, "socket.io", "/", "3",
			`msgpack {"packet":{"type":2,"data":["bin",{"type":"Buffer","data":[1,2,3]},{"nested":{"type":"Buffer","data":[4]}}],"nsp":"/"},"opts":{"rooms":["r"],"flags":{},"except":[]}}`},
		{"namespace", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("admin").To("r").Emit(ctx, "ev")
		}, "socket.io", "/admin", "3",
			`json {"packet":{"type":2,"data":["ev"],"nsp":"/admin"},"opts":{"rooms":["r"],"flags":{},"except":[]}}`},
		{"socketsJoin", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("r1").Except("r2").Volatile().SocketsJoin(ctx, "a", "b")
		}, "socket.io", "/", "4", `json {` + opts + `,"rooms":["a","b"]}`},
		{"socketsLeave", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("r1").Except("r2").SocketsLeave(ctx, "a")
		}, "socket.io", "/", "5", `json {` + opts + `,"rooms":["a"]}`},
		{"disconnectSockets", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("r1").Except("r2").DisconnectSockets(ctx, false)
		}, "socket.io", "/", "6", `json {` + opts + `,"close":false}`},
		{"disconnectSockets and close, all", func(ctx context.Context, e *emitter.Emitter) error {
			return e.DisconnectSockets(ctx, true)
		}, "socket.io", "/", "6", `json {"opts":{"rooms":[],"except":[],"flags":{}},"close":true}`},
		{"serverSideEmit", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("/admin").ServerSideEmit(ctx, "hello", 1, map[string]string{"a": "b"})
		}, "socket.io", "/admin", "9", `json {"packet":["hello",1,{"a":"b"}]}`},
		{"serverSideEmit, binary", func(ctx context.Context, e *emitter.Emitter) error {
			return e.ServerSideEmit(ctx, "hello", []byte{9})
		}, "socket.io", "/", "9", `msgpack {"packet":["hello",{"type":"Buffer","data":[9]}]}`},
	}

	r := startRedis(t)
	client := goredis.NewClient(&goredis.Options{Addr: r})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	e := emitter.NewStreams(client, nil)
	last := "-"
	for _, tt := range tests {
		if err := tt.call(ctx, e); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := xrange(t, ctx, client, tt.stream, last)
		if len(got) != 1 {
			t.Fatalf("%s: %d new entries in %s, want 1", tt.name, len(got), tt.stream)
		}
		last = got[0].id
		if names := got[0].names(); !slices.Equal(names, []string{"uid", "nsp", "type", "data"}) {
			t.Errorf("%s: fields %q, want uid nsp type data", tt.name, names)
		}
		data, err := dataJSON(got[0].get("data"))
		gotEntry := fmt.Sprintf("uid=%s nsp=%s type=%s %s (%v)", got[0].get("uid"), got[0].get("nsp"), got[0].get("type"), data, err)
		want := fmt.Sprintf("uid=emitter nsp=%s type=%s %s (<nil>)", tt.nsp, tt.typ, tt.data)
		if gotEntry != want {
			t.Errorf("%s: entry\n\t%s\nwant\n\t%s", tt.name, gotEntry, want)
		}
	}
}

// TestStreamsOptions checks that the stream options reach Redis: the
// stream name, the adapter's routing over StreamCount streams (its
// hashCode: "/" 47, "/admin" 1438238848, "/chat" 46457863; modulo 3: 2, 1,
// 1), and MaxLen with approximate trimming (MAXLEN ~: whole nodes of
// entries are dropped, so the stream keeps more than MaxLen but far fewer
// than were appended).
func TestStreamsOptions(t *testing.T) {
	r := startRedis(t)
	client := goredis.NewClient(&goredis.Options{Addr: r})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()

	routed := emitter.NewStreams(client, &emitter.StreamsOptions{StreamName: "app", StreamCount: 3})
	for _, nsp := range []string{"/", "/admin", "/chat"} {
		if err := routed.Of(nsp).Emit(ctx, "ev"); err != nil {
			t.Fatal(err)
		}
	}
	for stream, want := range map[string]int64{"app": 0, "app-0": 0, "app-1": 2, "app-2": 1, "socket.io": 0} {
		if n := client.XLen(ctx, stream).Val(); n != want {
			t.Errorf("XLEN %s = %d, want %d", stream, n, want)
		}
	}

	const appended, maxLen = 500, 10
	capped := emitter.NewStreams(client, &emitter.StreamsOptions{StreamName: "capped", MaxLen: maxLen})
	for i := range appended {
		if err := capped.Emit(ctx, "ev", i); err != nil {
			t.Fatal(err)
		}
	}
	if n := client.XLen(ctx, "capped").Val(); n <= maxLen || n >= appended/2 {
		t.Errorf("XLEN capped = %d after %d appends with MaxLen %d, want more than %d (approximate) and far fewer than %d",
			n, appended, maxLen, maxLen, appended)
	}
}
