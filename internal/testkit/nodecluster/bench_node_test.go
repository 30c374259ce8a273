package nodecluster

import (
	"testing"

	"github.com/actorio/actorio/internal/testkit/redistest"
)

// The contract's cluster mode, section 6, on two Node reference servers
// sharing one Redis: fanout and relay reach both servers' clients (relay
// skipping the sender, nothing twice), count spans both servers, an sse
// reaches the other server's clients only, join's ack stays local, and a
// leave on one server is seen from the other.
func TestBenchNodeCluster(t *testing.T) {
	for _, adapter := range []string{"pubsub", "sharded", "streams"} {
		t.Run("adapter="+adapter, func(t *testing.T) {
			t.Parallel()
			redis := redistest.Start(t)
			a := StartBench(t, redis.URL(), adapter)
			b := StartBench(t, redis.URL(), adapter)
			RunBenchCheck(t, a, b)
		})
	}
}
