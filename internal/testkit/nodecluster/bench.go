package nodecluster

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// StartBench runs the bench's Node reference server (bench/node/server.js)
// in cluster mode and returns its base URL once it has printed its start-up
// line. Node finds its packages in bench/node/node_modules when `make bench`
// has installed them, else in the root node_modules (the same pinned
// versions). It is stopped with SIGTERM when the test ends.
func StartBench(t *testing.T, redisURL, adapter string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()

	cmd := exec.Command("node", "bench/node/server.js")
	cmd.Dir = Root(t)
	cmd.Env = append(cmd.Environ(), "PORT="+port, "REDIS_URL="+redisURL, "REDIS_ADAPTER="+adapter)
	testkit.DieWithParent(cmd)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		for sc.Scan() {
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("bench/node/server.js (%s): exit after SIGTERM = %v, want status 0\n%s", adapter, err, stderr.String())
			}
		case <-time.After(5 * time.Second): // the contract's bound
			_ = cmd.Process.Kill()
			t.Errorf("bench/node/server.js (%s): still running 5s after SIGTERM", adapter)
			<-exited
		}
		if t.Failed() {
			t.Logf("bench/node/server.js (%s) stderr:\n%s", adapter, stderr.String())
		}
	})
	first := testkit.Recv(t, line, "bench/node/server.js start-up line")
	if want := "cluster: @socket.io/redis-"; !strings.Contains(first, want) {
		t.Errorf("start-up line = %q, want it to name the adapter (%q)", first, want)
	}
	return "http://127.0.0.1:" + port
}

// BenchCheck is what testdata/cluster/bench_check.js reports.
type BenchCheck struct {
	Join            map[string]int
	Fanout          map[string][]string
	Relay           map[string][]string
	SseGot          map[string][]string
	Count           map[string]int
	CountAfterLeave int
}

// WantBenchCheck is what a pair of servers that meets the contract's
// section 6 reports.
var WantBenchCheck = BenchCheck{
	Join:            map[string]int{"a": 1, "b": 1},
	Fanout:          map[string][]string{"a": {"end-a", "end-b", "fanout-a", "fanout-b"}, "b": {"end-a", "end-b", "fanout-a", "fanout-b"}},
	Relay:           map[string][]string{"a": {"relay-b"}, "b": {"relay-a"}},
	SseGot:          map[string][]string{"a": {"sse-b"}, "b": {"sse-a"}},
	Count:           map[string]int{"a": 2, "b": 2},
	CountAfterLeave: 1,
}

// RunBenchCheck runs testdata/cluster/bench_check.js against two servers
// (client a on the first, b on the second) and checks its report against
// WantBenchCheck.
func RunBenchCheck(t *testing.T, a, b string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/cluster/bench_check.js", a, b)
	cmd.Dir = Root(t)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench_check.js: %v\n%s", err, stderr.String())
	}
	var got BenchCheck
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("bench_check.js printed %q: %v", out, err)
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(WantBenchCheck)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("bench_check(%s, %s) = %s, want %s", a, b, gotJSON, wantJSON)
	}
}
