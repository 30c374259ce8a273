package main

import (
	"bufio"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// A Go streams emitter's publish reaches the clients of a Node reference
// and of an Actorio bench server sharing a cluster on the streams adapter
// (REDIS_ADAPTER=streams), which no npm emitter on the registry reaches:
// emitter_check.js joins a client on each and the test publishes once they
// have joined.
func TestBenchClusterStreamsEmitter(t *testing.T) {
	redis := redistest.Start(t)
	node := nodecluster.StartBench(t, redis.URL(), "streams")
	env := []string{"REDIS_URL=" + redis.URL(), "REDIS_ADAPTER=streams"}
	_, goURL := startServer(t, env, "-mode", "bench", "-addr", "127.0.0.1:0", "-log-format", "json")
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, "node", "testdata/cluster/emitter_check.js", "--stdin", node, goURL)
	cmd.Dir = nodecluster.Root(t)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// next is the script's next line; if it ended instead, its exit and
	// stderr fail the test.
	next := func(what string) string {
		t.Helper()
		timer := time.NewTimer(testkit.Timeout)
		defer timer.Stop()
		select {
		case line, ok := <-lines:
			if ok {
				return line
			}
			t.Fatalf("emitter_check.js ended before %s: %v\n%s", what, cmd.Wait(), stderr.String())
		case <-timer.C:
			t.Fatalf("emitter_check.js: no %s within %v\n%s", what, testkit.Timeout, stderr.String())
		}
		return ""
	}
	if line := next("joined"); line != "joined" {
		t.Fatalf("emitter_check.js said %q, want joined\n%s", line, stderr.String())
	}

	e := emitter.NewStreams(redis.Client(), nil)
	if err := e.To("r").Emit(ctx, "fanout", "from-emitter"); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("published\n")); err != nil {
		t.Fatal(err)
	}
	out := next("its result")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("emitter_check.js: %v\n%s", err, stderr.String())
	}
	if want := `{"a":["from-emitter"],"b":["from-emitter"]}`; out != want {
		t.Errorf("emitter_check(%s, %s) = %s, want %s", node, goURL, out, want)
	}
}
