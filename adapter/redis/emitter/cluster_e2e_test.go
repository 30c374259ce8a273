package emitter_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
)

// The clients of the Node server, and the namespaces it has.
var clusterClients = []struct {
	Name  string   `json:"name"`
	Nsp   string   `json:"nsp"`
	Rooms []string `json:"rooms"`
}{
	{"a", "/", []string{"room1"}},
	{"b", "/", []string{"room2", "room3"}},
	{"c", "/", []string{}},
	{"d", "/", []string{"room2"}},
	{"x", "/admin", []string{"room1"}},
}

type blob struct {
	Name string `json:"name"`
	Blob []byte `json:"blob"`
}

// TestNodeClusterReceives publishes with the Go emitter to a Node socket.io
// server on @socket.io/redis-adapter and checks what its official clients,
// and the server itself, receive: all that should, and nothing else.
func TestNodeClusterReceives(t *testing.T) {
	// The rows run in order, on one server and one set of clients: later rows
	// see the rooms and disconnections of earlier ones. want lists what
	// happens, in any order: "CLIENT got EVENT ARGS", "CLIENT disconnect
	// REASON", "CLIENT closed forced close" (the server closed the
	// connection), "server NSP EVENT ARGS".
	tests := []struct {
		name string
		emit func(ctx context.Context, e *emitter.Emitter) error
		want []string
	}{
		{"to all", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "all", 1, "two", map[string]int{"k": 3})
		}, []string{`a got all [1,"two",{"k":3}]`, `b got all [1,"two",{"k":3}]`, `c got all [1,"two",{"k":3}]`, `d got all [1,"two",{"k":3}]`}},
		{"to one room", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("room1").Emit(ctx, "r1", true)
		}, []string{`a got r1 [true]`}},
		{"to rooms except", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("room1", "room2").Except("room3").Emit(ctx, "re", nil)
		}, []string{`a got re [null]`, `d got re [null]`}},
		{"binary", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("room2").Emit(ctx, "bin", []byte{1, 2, 3}, blob{"n", []byte{255}})
		}, []string{
			`b got bin [{"$buffer":"010203"},{"name":"n","blob":{"$buffer":"ff"}}]`,
			`d got bin [{"$buffer":"010203"},{"name":"n","blob":{"$buffer":"ff"}}]`,
		}},
		{"custom namespace", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("admin").To("room1").Emit(ctx, "adm", "hi")
		}, []string{`x got adm ["hi"]`}},
		{"socketsJoin, then to the new room", func(ctx context.Context, e *emitter.Emitter) error {
			if err := e.In("room3").SocketsJoin(ctx, "room9"); err != nil {
				return err
			}
			return e.To("room9").Emit(ctx, "r9", 9)
		}, []string{`b got r9 [9]`}},
		{"socketsLeave, then to the room left", func(ctx context.Context, e *emitter.Emitter) error {
			if err := e.SocketsLeave(ctx, "room9"); err != nil {
				return err
			}
			return e.To("room9").Emit(ctx, "r9", 9)
		}, nil},
		{"serverSideEmit", func(ctx context.Context, e *emitter.Emitter) error {
			if err := e.ServerSideEmit(ctx, "hello", 1, map[string]string{"a": "b"}); err != nil {
				return err
			}
			return e.Of("/admin").ServerSideEmit(ctx, "hello", "adm")
		}, []string{`server / hello [1,{"a":"b"}]`, `server /admin hello ["adm"]`}},
		{"disconnectSockets", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("room2").DisconnectSockets(ctx, false)
		}, []string{`b disconnect io server disconnect`, `d disconnect io server disconnect`}},
		{"disconnectSockets and close", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("/admin").DisconnectSockets(ctx, true)
		}, []string{`x disconnect io server disconnect`, `x closed forced close`}},
		{"to all after", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "all")
		}, []string{`a got all []`, `c got all []`}},
	}

	addr := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.Timeout)
	defer cancel()
	spec, _ := json.Marshal(clusterClients)
	node := startNode(t, "testdata/cluster.js", "redis://"+addr, string(spec))
	if ev := node.next("ready"); ev.Event != "ready" {
		t.Fatalf("cluster.js first said %s, want ready", ev)
	}
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	defer client.Close()
	e := emitter.New(client, nil)

	live := map[string]string{} // client name -> namespace
	for _, c := range clusterClients {
		live[c.Name] = c.Nsp
	}
	for i, tt := range tests {
		if err := tt.emit(ctx, e); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := node.until(t, e, live, i)
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: got\n\t%s\nwant\n\t%s", tt.name, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	}
}

// until emits a barrier (event "barrier", argument n) to every namespace
// with a live client and returns what happened until each live client has
// it, barriers left out. A client's events arrive in the order the server
// sent them, after the server has applied what was published before the
// barrier: anything row n caused has been seen by then.
func (r *nodeRun) until(t *testing.T, e *emitter.Emitter, live map[string]string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	nsps := map[string]bool{}
	for _, nsp := range live {
		nsps[nsp] = true
	}
	for nsp := range nsps {
		if err := e.Of(nsp).Emit(ctx, "barrier", n); err != nil {
			t.Fatalf("barrier %d: %v", n, err)
		}
	}
	barrier := fmt.Sprintf("[%d]", n)
	waiting := map[string]bool{}
	for name := range live {
		waiting[name] = true
	}
	var got []string
	for len(waiting) > 0 {
		ev := r.next(fmt.Sprintf("barrier %d for %v", n, slices.Sorted(maps.Keys(waiting))))
		switch {
		case ev.Event == "got" && ev.Ev == "barrier" && ev.Args == barrier:
			delete(waiting, ev.Client)
			continue
		case ev.Event == "disconnect":
			delete(waiting, ev.Client)
			delete(live, ev.Client)
		}
		got = append(got, ev.String())
	}
	return got
}

// nodeEvent is one line cluster.js printed.
type nodeEvent struct {
	Event  string `json:"event"`
	Client string `json:"client"`
	Nsp    string `json:"nsp"`
	Ev     string `json:"ev"`
	Args   string `json:"args"` // JSON
	Reason string `json:"reason"`
	line   []byte
}

func (ev nodeEvent) String() string {
	switch ev.Event {
	case "got":
		return fmt.Sprintf("%s got %s %s", ev.Client, ev.Ev, ev.Args)
	case "disconnect":
		return fmt.Sprintf("%s disconnect %s", ev.Client, ev.Reason)
	case "closed":
		return fmt.Sprintf("%s closed %s", ev.Client, ev.Reason)
	case "server":
		return fmt.Sprintf("server %s %s %s", ev.Nsp, ev.Ev, ev.Args)
	}
	return string(ev.line)
}

// maxNodeRun bounds a node script's whole run.
const maxNodeRun = 6 * testkit.Timeout

// nodeRun is a running node script that prints JSON lines.
type nodeRun struct {
	t      *testing.T
	name   string
	lines  chan []byte
	exit   chan error
	stderr *lockedBuffer
}

// startNode runs `node script args...` until the test ends, streaming its
// stdout lines; at the end it closes its stdin, which asks it to exit, and
// kills it if it has not within testkit.Timeout. When the test fails it
// prints the script's stderr.
func startNode(t *testing.T, script string, args ...string) *nodeRun {
	t.Helper()
	// Not the test's context: the test's defers run before its cleanups,
	// and the script must outlive them to exit by itself.
	ctx, cancel := context.WithTimeout(context.Background(), maxNodeRun)
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = append(os.Environ(), fmt.Sprintf("E2E_TIMEOUT_MS=%d", testkit.Timeout.Milliseconds()-2000))
	r := &nodeRun{t: t, name: script, lines: make(chan []byte), exit: make(chan error, 1), stderr: &lockedBuffer{}}
	cmd.Stderr = r.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start node %s: %v", script, err)
	}
	stop := make(chan struct{})
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			select {
			case r.lines <- bytes.Clone(sc.Bytes()):
			case <-stop: // nobody reads any more: drain to EOF
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		r.exit <- cmd.Wait()
	}()
	t.Cleanup(func() {
		close(stop)
		stdin.Close() // asks it to exit; ctx kills it if it does not
		timer := time.NewTimer(testkit.Timeout)
		defer timer.Stop()
		select {
		case err := <-r.exit:
			if err != nil && !t.Failed() {
				t.Errorf("node %s exited: %v", script, err)
			}
		case <-timer.C:
			t.Errorf("node %s: still running %v after stdin closed", script, testkit.Timeout)
			cancel()
			<-r.exit
		}
		cancel()
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", script, r.stderr.String())
		}
	})
	return r
}

// next returns the script's next line, failing the test if none comes
// within testkit.Timeout; what says what the test waits for.
func (r *nodeRun) next(what string) nodeEvent {
	r.t.Helper()
	timer := time.NewTimer(testkit.Timeout)
	defer timer.Stop()
	var line []byte
	select {
	case l, ok := <-r.lines:
		if !ok {
			r.t.Fatalf("node %s ended, waiting for %s: %v", r.name, what, <-r.exit)
		}
		line = l
	case <-timer.C:
		r.t.Fatalf("node %s: %s not within %v", r.name, what, testkit.Timeout)
	}
	ev := nodeEvent{line: line}
	if err := json.Unmarshal(line, &ev); err != nil {
		r.t.Fatalf("node %s printed %q: %v", r.name, line, err)
	}
	return ev
}
