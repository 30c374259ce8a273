package emitter_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
)

// BenchmarkEmit publishes (pub/sub) or appends (streams) to a real
// redis-server on loopback, one command at a time: encoding plus a round
// trip.
func BenchmarkEmit(b *testing.B) {
	type msg struct {
		ID   int    `json:"id"`
		Text string `json:"text"`
		Blob []byte `json:"blob,omitempty"`
	}
	client := goredis.NewClient(&goredis.Options{Addr: startRedis(b)})
	defer client.Close()
	ctx := context.Background()
	for _, f := range []struct {
		name string
		e    *emitter.Emitter
	}{
		{"pubsub", emitter.New(client, nil)},
		{"streams", emitter.NewStreams(client, nil)},
	} {
		e := f.e
		for _, bc := range []struct {
			name string
			emit func() error
		}{
			{"target=all/args=json", func() error { return e.Emit(ctx, "chat", msg{ID: 1, Text: "hello"}) }},
			{"target=room/args=binary", func() error {
				return e.To("room1").Except("muted").Emit(ctx, "chat", msg{ID: 1, Text: "hello", Blob: make([]byte, 1024)})
			}},
			{"target=request/args=none", func() error { return e.In("room1").SocketsJoin(ctx, "room2") }},
		} {
			b.Run("format="+f.name+"/"+bc.name, func(b *testing.B) {
				b.ReportAllocs()
				start := time.Now()
				for b.Loop() {
					if err := bc.emit(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			})
		}
	}
}
