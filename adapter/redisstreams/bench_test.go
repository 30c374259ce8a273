package redisstreams_test

import (
	"testing"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// BenchmarkCrossServer: a broadcast XADDed by one server and read (XREAD)
// and delivered by another, through a real redis-server on loopback.
func BenchmarkCrossServer(b *testing.B) {
	r := redistest.Start(b)
	from, to := newBenchAdapter(b, r), newBenchAdapter(b, r)
	clustertest.BenchCrossServer(b, from, to)
}
