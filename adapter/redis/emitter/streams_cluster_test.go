package emitter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/adapter/redisstreams"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// TestStreamsMixedCluster publishes with the Go streams emitter to a
// cluster of a Node socket.io server on @socket.io/redis-streams-adapter
// and an Actorio server on adapter/redisstreams, sharing one Redis, and
// checks what the official clients of both receive: all that should, and
// nothing else.
func TestStreamsMixedCluster(t *testing.T) {
	// The rows run in order on the same clients: later rows see the rooms
	// and disconnections of earlier ones. want lists, per client, the events
	// it gets ("EVENT ARGS", binary as {"$bin": base64}), in any order.
	const sse = `sse-got [{"b":{"$bin":"Bw=="}}]`
	tests := []struct {
		name string
		emit func(ctx context.Context, e *emitter.Emitter) error
		want map[string][]string
	}{
		{"to a room, with binary", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("room1").Emit(ctx, "from-emitter", 1, []byte{5}, map[string]any{"n": []byte{6}})
		}, map[string][]string{
			"n1": {`from-emitter [1,{"$bin":"BQ=="},{"n":{"$bin":"Bg=="}}]`},
			"g1": {`from-emitter [1,{"$bin":"BQ=="},{"n":{"$bin":"Bg=="}}]`},
		}},
		{"to all but a room", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Except("room1").Emit(ctx, "not-room1", "x")
		}, map[string][]string{"n2": {`not-room1 ["x"]`}, "g2": {`not-room1 ["x"]`}}},
		{"socketsJoin, then to the new room", func(ctx context.Context, e *emitter.Emitter) error {
			if err := e.In("room1").SocketsJoin(ctx, "room9"); err != nil {
				return err
			}
			return e.To("room9").Emit(ctx, "r9", 9)
		}, map[string][]string{"n1": {`r9 [9]`}, "g1": {`r9 [9]`}}},
		{"socketsLeave, then to the room left", func(ctx context.Context, e *emitter.Emitter) error {
			if err := e.SocketsLeave(ctx, "room9"); err != nil {
				return err
			}
			return e.To("room9").Emit(ctx, "r9", 9)
		}, nil},
		{"serverSideEmit, with binary", func(ctx context.Context, e *emitter.Emitter) error {
			// Both servers' "sse" listeners emit sse-got to their own clients.
			return e.ServerSideEmit(ctx, "sse", map[string]any{"b": []byte{7}})
		}, map[string][]string{"n1": {sse}, "n2": {sse}, "g1": {sse}, "g2": {sse}}},
		{"disconnectSockets", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("room1").DisconnectSockets(ctx, false)
		}, map[string][]string{"n1": {`disconnect ["io server disconnect"]`}, "g1": {`disconnect ["io server disconnect"]`}}},
		{"disconnectSockets and close", func(ctx context.Context, e *emitter.Emitter) error {
			return e.DisconnectSockets(ctx, true)
		}, map[string][]string{"n2": {`disconnect ["io server disconnect"]`}, "g2": {`disconnect ["io server disconnect"]`}}},
	}

	rs := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: rs.URL(), Adapter: "streams"})
	a, err := redisstreams.New(context.Background(), rs.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := clustertest.StartGo(t, a, false)
	cl := clustertest.StartClients(t)
	live := []string{"n1", "n2", "g1", "g2"}
	for _, name := range live {
		url := node.URL()
		if name[0] == 'g' {
			url = g.URL()
		}
		cl.Connect(name, url)
		if name[1] == '1' {
			cl.Call(name, "join", "room1")
		}
	}
	client := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.Timeout)
	defer cancel()
	e := emitter.NewStreams(client, nil)

	for i, tt := range tests {
		if err := tt.emit(ctx, e); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for name, evs := range tt.want {
			for _, want := range evs {
				event, _, _ := strings.Cut(want, " ")
				if got := eventString(cl.WaitFor(name, event)); got != want {
					t.Errorf("%s: %s got %s, want %s", tt.name, name, got, want)
				}
				if event == "disconnect" {
					live = slices.DeleteFunc(live, func(n string) bool { return n == name })
				}
			}
		}
		// A fence after the row: each server applies the stream in order and
		// each client gets its events in order, so whatever else the row
		// caused has arrived with it.
		if err := e.Emit(ctx, "fence", i); err != nil {
			t.Fatalf("fence %d: %v", i, err)
		}
		for _, name := range live {
			if got, want := eventString(cl.WaitFor(name, "fence")), fmt.Sprintf("fence [%d]", i); got != want {
				t.Errorf("%s: %s got %s, want %s", tt.name, name, got, want)
			}
			for _, ev := range cl.Events(name) {
				t.Errorf("%s: %s got %s, want nothing else", tt.name, name, eventString(ev))
				cl.WaitFor(name, ev.Event) // taken: reported once
			}
		}
	}
}

// eventString is "EVENT ARGS", ARGS a JSON array.
func eventString(ev clustertest.Event) string {
	args, _ := json.Marshal(ev.Args)
	if ev.Args == nil {
		args = []byte("[]")
	}
	return ev.Event + " " + string(args)
}

// TestStreamsStreamCount: with the adapter's streamCount, the emitter
// appends to the stream the namespace is read from.
func TestStreamsStreamCount(t *testing.T) {
	rs := redistest.Start(t)
	a, err := redisstreams.New(context.Background(), rs.Client(), &redisstreams.Options{StreamName: "app", StreamCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	g := clustertest.StartGo(t, a, false)
	cl := clustertest.StartClients(t)
	cl.Connect("g", g.URL())
	cl.Call("g", "join", "r")
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	e := emitter.NewStreams(rs.Client(), &emitter.StreamsOptions{StreamName: "app", StreamCount: 3})
	if err := e.To("r").Emit(ctx, "x", 1); err != nil {
		t.Fatal(err)
	}
	if got, want := eventString(cl.WaitFor("g", "x")), "x [1]"; got != want {
		t.Errorf("g got %s, want %s", got, want)
	}
}
