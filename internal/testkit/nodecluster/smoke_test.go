package nodecluster

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// smokeResult is what testdata/cluster/smoke_client.js saw.
type smokeResult struct {
	A, B  string
	Hello json.RawMessage
	Fetch []string
}

// Two node_server.js on one Redis, the official client on each: a broadcast
// from one server reaches the other's client, and a fetchSockets on one finds
// both servers' sockets. It checks the script the mixed-cluster tests rely
// on, with each adapter they use.
func TestSmoke(t *testing.T) {
	for _, adapter := range []string{"pubsub", "sharded", "streams"} {
		t.Run("adapter="+adapter, func(t *testing.T) {
			t.Parallel()
			redis := redistest.Start(t)
			a := Start(t, Options{RedisURL: redis.URL(), Adapter: adapter})
			b := Start(t, Options{RedisURL: redis.URL(), Adapter: adapter})

			checkSmoke(t, a, b)

			start := time.Now()
			a.Stop()
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("exit after SIGTERM took %v, want at most 2s", d)
			}
		})
	}
}

// checkSmoke runs testdata/cluster/smoke_client.js against a and b: a
// broadcast through a reaches b's client, and a fetch on b finds both.
func checkSmoke(t *testing.T, a, b *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "cluster", "smoke_client.js"), a.URL(), b.URL())
	cmd.Dir = Root(t)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("smoke_client.js: %v\n%s", err, stderr.String())
	}
	var got smokeResult
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("smoke_client.js printed %q: %v", out, err)
	}
	if string(got.Hello) != `{"n":1}` {
		t.Errorf("hello on b = %s, want {\"n\":1}", got.Hello)
	}
	want := []string{got.A, got.B}
	slices.Sort(want)
	if got.A == "" || got.A == got.B || !slices.Equal(got.Fetch, want) {
		t.Errorf("fetch(%q) from b = %q, want %q (a's and b's ids)", "r", got.Fetch, want)
	}
}

// A Redis nobody listens on: the server exits 1 with one line saying so, and
// never claims to listen.
func TestUnreachableRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "redis://" + l.Addr().String()
	l.Close()

	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", Script)
	cmd.Dir = Root(t)
	cmd.Env = append(cmd.Environ(), "PORT=0", "REDIS_URL="+url)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("node_server.js with REDIS_URL=%s: %v, want exit status 1", url, err)
	}
	if len(out) != 0 {
		t.Errorf("stdout = %q, want nothing", out)
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "node_server: redis at "+url+" unreachable: ") {
		t.Errorf("stderr = %q, want one line \"node_server: redis at %s unreachable: …\"", stderr.String(), url)
	}
}
