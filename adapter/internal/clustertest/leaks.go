package clustertest

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// adapterFrames mark a goroutine of a cluster adapter in a stack dump.
var adapterFrames = [][]byte{
	[]byte("actorio/adapter/internal/cluster."),
	[]byte("actorio/adapter/internal/redissub."),
	[]byte("actorio/adapter/redisstreams."),
	[]byte("actorio/adapter/redis."),
}

// adapterGoroutines returns the stacks of the goroutines running adapter
// code, tests' own excepted.
func adapterGoroutines() [][]byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out [][]byte
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("testing.tRunner")) {
			continue
		}
		for _, f := range adapterFrames {
			if bytes.Contains(g, f) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// NoAdapterGoroutines waits (bounded by testkit.Timeout) until no
// goroutine runs adapter code: after Close, nothing of an adapter may be
// left running. It fails the test with their stacks.
func NoAdapterGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(testkit.Timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		left := adapterGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d adapter goroutines left %v after Close:\n%s", len(left), testkit.Timeout, bytes.Join(left, []byte("\n\n")))
		}
		time.Sleep(wait)
	}
}
