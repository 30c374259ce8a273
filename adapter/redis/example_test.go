package redis_test

import (
	"context"
	"log"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio"
	redisadapter "github.com/actorio/actorio/adapter/redis"
)

// A server that joins the cluster of every server (Go or Node) on the same
// Redis with the same key.
func ExampleNew() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ad, err := redisadapter.New(ctx, rdb, nil) // key "socket.io", requests timeout 5s, as Node
	if err != nil {
		log.Fatal(err) // adapter/redis: Redis at 127.0.0.1:6379 is unreachable: …
	}
	srv := actorio.NewServer(&actorio.Options{Adapter: ad})
	defer srv.Close() // closes the adapter too; rdb stays the caller's
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("lobby")
		_ = srv.To("lobby").Emit("joined", s.ID()) // every server's lobby
	})
	http.Handle(srv.Path(), srv)
}
