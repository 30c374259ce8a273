package redis_test

import (
	"context"
	"testing"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// BenchmarkShardedCrossServer: a broadcast SPUBLISHed by one server and
// delivered by another, through a real redis-server on loopback.
func BenchmarkShardedCrossServer(b *testing.B) {
	r := redistest.Start(b)
	start := func() *redisadapter.ShardedAdapter {
		a, err := redisadapter.NewSharded(context.Background(), r.Client(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = a.Close() })
		return a
	}
	clustertest.BenchCrossServer(b, start(), start())
}
