package main

import (
	"context"
	"os/exec"
	"testing"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// The bench contract's cluster check (docs/bench-contract.md, section 6) on
// mixed pairs: the Node reference and actorio-server -mode bench on one
// Redis, clients on both; fanout and relay from either side reach everyone
// once (relay skipping the sender), count spans both, sse crosses, a leave
// on one server is seen from the other. With each adapter, both orders,
// and two Actorio servers.
func TestBenchClusterMixed(t *testing.T) {
	for _, adapter := range []string{"pubsub", "sharded", "streams"} {
		t.Run(adapter, func(t *testing.T) {
			redis := redistest.Start(t)
			node := nodecluster.StartBench(t, redis.URL(), adapter)
			env := []string{"REDIS_URL=" + redis.URL(), "REDIS_ADAPTER=" + adapter}
			_, goA := startServer(t, env, "-mode", "bench", "-addr", "127.0.0.1:0", "-log-format", "json")
			nodecluster.RunBenchCheck(t, node, goA)
			nodecluster.RunBenchCheck(t, goA, node)
			_, goB := startServer(t, env, "-mode", "bench", "-addr", "127.0.0.1:0", "-log-format", "json")
			nodecluster.RunBenchCheck(t, goA, goB)
		})
	}
}

// An npm @socket.io/redis-emitter publish reaches the clients of a Node
// reference and of an Actorio bench server sharing the pub/sub cluster.
// (The npm emitter speaks the pub/sub adapter's format only: Node's own
// sharded and streams adapters do not read it either. The Go emitter's
// streams format: TestBenchClusterStreamsEmitter.)
func TestBenchClusterEmitter(t *testing.T) {
	redis := redistest.Start(t)
	node := nodecluster.StartBench(t, redis.URL(), "pubsub")
	_, goURL := startServer(t, []string{"REDIS_URL=" + redis.URL()}, "-mode", "bench", "-addr", "127.0.0.1:0", "-log-format", "json")
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/cluster/emitter_check.js", redis.URL(), node, goURL)
	cmd.Dir = nodecluster.Root(t)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("emitter_check.js: %v\n%s", err, stderr.String())
	}
	if want := `{"a":["from-emitter"],"b":["from-emitter"]}` + "\n"; string(out) != want {
		t.Errorf("emitter_check(%s, %s) = %s, want %s", node, goURL, out, want)
	}
}
