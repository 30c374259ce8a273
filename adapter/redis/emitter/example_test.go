package emitter_test

import (
	"context"
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
)

// A worker tells the users of a cluster, Node or Go servers joined by
// @socket.io/redis-adapter, that a report is ready.
func Example() {
	client := goredis.NewClient(&goredis.Options{Addr: "localhost:6379"})
	defer client.Close()
	e := emitter.New(client, &emitter.Options{Key: "socket.io"}) // nil means the defaults

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	type report struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
		PDF   []byte `json:"pdf"` // binary: a Buffer or ArrayBuffer in the client
	}
	// To the sockets in room "team:42" but not in "muted", on namespace "/reports".
	err := e.Of("/reports").To("team:42").Except("muted").Emit(ctx, "report", report{ID: 7, Title: "Q3", PDF: []byte("%PDF-1.7")})
	if err != nil {
		log.Fatal(err)
	}
	// Everyone on "/", dropped for a client not ready for it.
	if err := e.Volatile().Emit(ctx, "tick", time.Now().Unix()); err != nil {
		log.Fatal(err)
	}
	// Room membership and connections, across the cluster.
	if err := e.In("team:42").SocketsJoin(ctx, "report:7"); err != nil {
		log.Fatal(err)
	}
	if err := e.In("banned").DisconnectSockets(ctx, true); err != nil {
		log.Fatal(err)
	}
	// The servers' own listeners: io.on("reindex", ...) in Node.
	if err := e.ServerSideEmit(ctx, "reindex", "reports"); err != nil {
		log.Fatal(err)
	}
}

// A worker reaches a cluster joined by @socket.io/redis-streams-adapter,
// Node or Go servers: the same operators, appended to the cluster's stream
// instead of published on its channels.
func ExampleNewStreams() {
	client := goredis.NewClient(&goredis.Options{Addr: "localhost:6379"})
	defer client.Close()
	// The adapter's streamName, streamCount and maxLen; nil means the
	// defaults ("socket.io", 1, 10000).
	e := emitter.NewStreams(client, &emitter.StreamsOptions{StreamName: "socket.io", MaxLen: 10_000})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Binary anywhere in the arguments: the entry's data is msgpack.
	err := e.Of("/reports").To("team:42").Emit(ctx, "report", map[string]any{"id": 7, "pdf": []byte("%PDF-1.7")})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.In("team:42").SocketsJoin(ctx, "report:7"); err != nil {
		log.Fatal(err)
	}
	if err := e.In("banned").DisconnectSockets(ctx, true); err != nil {
		log.Fatal(err)
	}
	if err := e.ServerSideEmit(ctx, "reindex", "reports"); err != nil {
		log.Fatal(err)
	}
}
