package emitter_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
)

// sameCalls are calls made with the npm emitter (js, over its `e`, Emitter
// and client) and with ours (call): each must publish the same message.
var sameCalls = []struct {
	name string
	js   string
	call func(ctx context.Context, client goredis.UniversalClient, e *emitter.Emitter) error
}{
	{"no arguments", `e.emit("ping")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Emit(ctx, "ping")
		}},
	{"scalars", `e.emit("ev", 1, -70000, 1.5, 0.1, 1099511627776, -1099511627776, 2 ** 60, "s", true, false, null)`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", 1, -70000, 1.5, 0.1, int64(1)<<40, -int64(1)<<40, uint64(1)<<60, "s", true, false, nil)
		}},
	{"integral number beyond 2^64", `e.emit("ev", 1e300, -1e300, 2 ** 64)`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", 1e300, -1e300, float64(1<<64))
		}},
	{"text", `e.emit("héllo", "<a href=\"x\">&</a>\u2028\u0000é😀", "x".repeat(40), "y".repeat(300), "z".repeat(70000))`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Emit(ctx, "héllo", "<a href=\"x\">&</a>\u2028\x00é😀", string(bytes.Repeat([]byte("x"), 40)),
				string(bytes.Repeat([]byte("y"), 300)), string(bytes.Repeat([]byte("z"), 70000)))
		}},
	{"struct order and sorted map keys", `e.emit("ev", {zeta: 1, alpha: [1, "two", {}], nested: {b: 2, a: 1}}, {a: 1, b: 2}, [])`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			type nested struct {
				B int `json:"b"`
				A int `json:"a"`
			}
			type doc struct {
				Zeta    int    `json:"zeta"`
				Alpha   []any  `json:"alpha"`
				Nested  nested `json:"nested"`
				Skipped string `json:"-"`
			}
			return e.Emit(ctx, "ev", doc{Zeta: 1, Alpha: []any{1, "two", struct{}{}}, Nested: nested{B: 2, A: 1}},
				map[string]int{"b": 2, "a": 1}, []string{})
		}},
	{"binary", `e.emit("bin", Buffer.from([1, 2, 3]), {name: "n", blob: Buffer.from([255]), list: [Buffer.alloc(0), Buffer.alloc(300, 7)]})`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			type file struct {
				Name string   `json:"name"`
				Blob []byte   `json:"blob"`
				List [][]byte `json:"list"`
			}
			return e.Emit(ctx, "bin", []byte{1, 2, 3}, file{Name: "n", Blob: []byte{255}, List: [][]byte{{}, bytes.Repeat([]byte{7}, 300)}})
		}},
	{"json.Marshaler and RawMessage", `e.emit("ev", "2026-12-02T00:00:00Z", {"raw": [1, {"k": "v"}]})`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), map[string]json.RawMessage{"raw": json.RawMessage(`[1, {"k":"v"}]`)})
		}},
	{"one room: its own channel", `e.to("room1").emit("ev", 1)`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.To("room1").Emit(ctx, "ev", 1)
		}},
	{"rooms, repeats, except", `e.to(["r1", "r2"]).in("r1").except("x").except(["y", "x"]).emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.To("r1", "r2").In("r1").Except("x").Except("y", "x").Emit(ctx, "ev")
		}},
	{"one room with except", `e.in("r1").except("r2").emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.In("r1").Except("r2").Emit(ctx, "ev")
		}},
	{"except only", `e.except("r1").emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Except("r1").Emit(ctx, "ev")
		}},
	{"volatile then compress", `e.volatile.compress(false).emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Volatile().Compress(false).Emit(ctx, "ev")
		}},
	{"compress twice then volatile", `e.compress(true).to("r").compress(false).volatile.emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Compress(true).To("r").Compress(false).Volatile().Emit(ctx, "ev")
		}},
	{"namespace", `e.of("/admin").to("r").emit("ev", 1)`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Of("/admin").To("r").Emit(ctx, "ev", 1)
		}},
	{"namespace without slash", `e.of("admin").emit("ev")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Of("admin").Emit(ctx, "ev")
		}},
	{"key", `new Emitter(client, {key: "myapp"}).of("/n").in("r").emit("ev")`,
		func(ctx context.Context, client goredis.UniversalClient, _ *emitter.Emitter) error {
			return emitter.New(client, &emitter.Options{Key: "myapp"}).Of("/n").In("r").Emit(ctx, "ev")
		}},
	{"socketsJoin", `e.in("r1").except("r2").socketsJoin(["a", "b"])`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.In("r1").Except("r2").SocketsJoin(ctx, "a", "b")
		}},
	{"socketsJoin one room, everyone", `e.socketsJoin("a")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.SocketsJoin(ctx, "a")
		}},
	{"socketsLeave", `e.of("/admin").in("r1").socketsLeave(["a"])`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Of("/admin").In("r1").SocketsLeave(ctx, "a")
		}},
	{"disconnectSockets", `e.disconnectSockets()`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.DisconnectSockets(ctx, false)
		}},
	{"disconnectSockets close", `e.in(["r1", "r2"]).except("r3").disconnectSockets(true)`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.In("r1", "r2").Except("r3").DisconnectSockets(ctx, true)
		}},
	{"serverSideEmit", `e.serverSideEmit("hello", 1, 1.5, "<&>\u2028é", {b: 1, a: [null]}, Buffer.from([1, 2]))`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			type obj struct {
				B int   `json:"b"`
				A []any `json:"a"`
			}
			return e.ServerSideEmit(ctx, "hello", 1, 1.5, "<&>\u2028é", obj{B: 1, A: []any{nil}}, []byte{1, 2})
		}},
	{"serverSideEmit namespace", `e.of("/admin").serverSideEmit("hello")`,
		func(ctx context.Context, _ goredis.UniversalClient, e *emitter.Emitter) error {
			return e.Of("/admin").ServerSideEmit(ctx, "hello")
		}},
}

// npmBugs are what the adapter must read from ours where the npm emitter's
// message is wrong (the bytes differ), by the name of the call.
var npmBugs = map[string]string{
	// notepack.io writes an integral number whose magnitude is 2^64 or more
	// as a 64-bit 0: the number is lost. Ours is a float64, read back as it
	// was.
	"integral number beyond 2^64": "msgpack [ 'emitter', { type: 2, data: [ 'ev', 1e+300, -1e+300, 18446744073709552000 ], nsp: '/' }, { rooms: [], flags: {}, except: [] } ]",
}

// published is one message seen on Redis.
type published struct {
	channel string
	payload []byte
}

// TestSameMessagesAsNPMEmitter makes each call with the npm emitter and with
// ours, captures both publications in Redis, and checks they go to the same
// channel with the same bytes, and that the adapter's decoder (notepack.io
// or JSON.parse, in node) reads them alike.
func TestSameMessagesAsNPMEmitter(t *testing.T) {
	addr := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.Timeout)
	defer cancel()
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	defer client.Close()
	ps := client.PSubscribe(ctx, "*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatalf("psubscribe: %v", err)
	}
	msgs := ps.Channel()
	capture := func(who string) []published {
		out := make([]published, len(sameCalls))
		for i := range out {
			m := testkit.Recv(t, msgs, who+" publication of "+sameCalls[i].name)
			out[i] = published{m.Channel, []byte(m.Payload)}
		}
		return out
	}

	calls := make([]string, len(sameCalls))
	for i, c := range sameCalls {
		calls[i] = c.js
	}
	in, _ := json.Marshal(calls)
	runNodeToEnd(t, ctx, in, "testdata/npm_emit.js", "redis://"+addr)
	theirs := capture("npm emitter")

	e := emitter.New(client, nil)
	for _, c := range sameCalls {
		if err := c.call(ctx, client, e); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	ours := capture("Go emitter")

	hexes := make([]string, 0, 2*len(sameCalls))
	for i := range sameCalls {
		hexes = append(hexes, hex.EncodeToString(ours[i].payload), hex.EncodeToString(theirs[i].payload))
	}
	in, _ = json.Marshal(hexes)
	var decoded []string
	if err := json.Unmarshal(runNodeToEnd(t, ctx, in, "testdata/decode.js"), &decoded); err != nil || len(decoded) != len(hexes) {
		t.Fatalf("decode.js: %v (%d results for %d messages)", err, len(decoded), len(hexes))
	}

	for i, c := range sameCalls {
		t.Run(c.name, func(t *testing.T) {
			if ours[i].channel != theirs[i].channel {
				t.Errorf("channel = %q, want %q (npm)", ours[i].channel, theirs[i].channel)
			}
			if want, ok := npmBugs[c.name]; ok {
				if got := decoded[2*i]; got != want {
					t.Errorf("decoded by the adapter =\n\t%s\nwant\n\t%s\n(npm's, wrong: %s)", got, want, decoded[2*i+1])
				}
				return
			}
			if got, want := decoded[2*i], decoded[2*i+1]; got != want {
				t.Errorf("decoded by the adapter =\n\t%s\nwant (npm)\n\t%s", got, want)
			}
			if !bytes.Equal(ours[i].payload, theirs[i].payload) {
				t.Errorf("bytes = %x, want %x (npm)", ours[i].payload, theirs[i].payload)
			}
		})
	}
}

// runNodeToEnd runs `node script args...` with stdin, and returns its
// stdout once it has exited 0; ctx bounds it.
func runNodeToEnd(t *testing.T, ctx context.Context, stdin []byte, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	return stdout.Bytes()
}
