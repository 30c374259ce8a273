package clustertest

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
)

// ClientsScript drives the official clients, relative to the repository
// root.
const ClientsScript = "testdata/cluster/clients.js"

// Event is what a client received: an event's name and arguments (binary
// as {"$bin": "<base64>"}).
type Event struct {
	Name  string            `json:"name"`
	Event string            `json:"event"`
	Args  []json.RawMessage `json:"args"`
}

// Arg is argument i as JSON text, "" when there is none.
func (e Event) Arg(i int) string {
	if i >= len(e.Args) {
		return ""
	}
	return string(e.Args[i])
}

// Conn is a socket's state once connected.
type Conn struct {
	ID        string `json:"id"`
	Recovered bool   `json:"recovered"`
}

// Bin is binary as a command argument.
func Bin(b []byte) map[string]string {
	return map[string]string{"$bin": base64.StdEncoding.EncodeToString(b)}
}

// Clients is one node process holding any number of official
// socket.io-client sockets, named by the test.
type Clients struct {
	t     testing.TB
	stdin io.WriteCloser
	log   testkit.SyncBuffer
	done  chan struct{}

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	backlog map[string][]Event
	changed chan struct{} // closed and replaced when an event arrives
}

type reply struct {
	ID    int             `json:"id"`
	OK    json.RawMessage `json:"ok"`
	Error *string         `json:"error"`
}

// StartClients starts the clients' process; it ends with the test.
func StartClients(t testing.TB) *Clients {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: the cluster tests need Node.js 20 and the npm packages (npm ci)")
	}
	cmd := exec.Command(node, filepath.Join(nodecluster.Root(t), ClientsScript))
	testkit.DieWithParent(cmd)
	c := &Clients{t: t, done: make(chan struct{}), pending: map[int]chan reply{}, backlog: map[string][]Event{}, changed: make(chan struct{})}
	cmd.Stderr = &c.log
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", ClientsScript, err)
	}
	go c.read(stdout, cmd)
	t.Cleanup(func() {
		_ = c.stdin.Close() // the script closes its sockets and exits
		timer := time.NewTimer(testkit.Timeout)
		defer timer.Stop()
		select {
		case <-c.done:
		case <-timer.C:
			_ = cmd.Process.Kill()
			<-c.done
			t.Errorf("%s: still running %v after its stdin closed", ClientsScript, testkit.Timeout)
		}
		if t.Failed() {
			t.Logf("%s stderr and events (end):\n%s", ClientsScript, c.log.Tail(16<<10))
		}
	})
	return c
}

func (c *Clients) read(stdout io.Reader, cmd *exec.Cmd) {
	defer close(c.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var probe struct {
			ID *int `json:"id"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			fmt.Fprintf(&c.log, "unreadable line: %s\n", line)
			continue
		}
		if probe.ID != nil {
			var r reply
			_ = json.Unmarshal(line, &r)
			c.mu.Lock()
			ch := c.pending[r.ID]
			delete(c.pending, r.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- r
			}
			continue
		}
		var e Event
		_ = json.Unmarshal(line, &e)
		fmt.Fprintf(&c.log, "event: %s\n", line)
		c.mu.Lock()
		c.backlog[e.Name] = append(c.backlog[e.Name], e)
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}
	_ = cmd.Wait()
}

// do sends a command and returns its answer, failing the test on an error
// or no answer within testkit.Timeout.
func (c *Clients) do(op string, fields map[string]any) json.RawMessage {
	c.t.Helper()
	ok, err := c.try(op, fields)
	if err != nil {
		c.t.Fatalf("%s %v: %v", op, fields, err)
	}
	return ok
}

func (c *Clients) try(op string, fields map[string]any) (json.RawMessage, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan reply, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	cmd := map[string]any{"id": id, "op": op}
	for k, v := range fields {
		cmd[k] = v
	}
	line, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("write to %s: %w", ClientsScript, err)
	}
	timer := time.NewTimer(testkit.Timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, fmt.Errorf("%s", *r.Error)
		}
		return r.OK, nil
	case <-c.done:
		return nil, fmt.Errorf("%s exited", ClientsScript)
	case <-timer.C:
		return nil, fmt.Errorf("no answer within %v", testkit.Timeout)
	}
}

// Connect connects a new socket called name to the server at url.
func (c *Clients) Connect(name, url string) Conn {
	c.t.Helper()
	var conn Conn
	if err := json.Unmarshal(c.do("connect", map[string]any{"name": name, "url": url}), &conn); err != nil {
		c.t.Fatal(err)
	}
	return conn
}

// Call emits event with args from socket name and returns its ack's value.
func (c *Clients) Call(name, event string, args ...any) json.RawMessage {
	c.t.Helper()
	return c.do("emit", map[string]any{"name": name, "event": event, "args": nonNil(args), "ack": true})
}

// TryCall is Call that returns the error instead of failing the test.
func (c *Clients) TryCall(name, event string, args ...any) (json.RawMessage, error) {
	return c.try("emit", map[string]any{"name": name, "event": event, "args": nonNil(args), "ack": true})
}

// Drop closes socket name's connection abruptly; it stays disconnected.
// It returns the client's disconnect reason.
func (c *Clients) Drop(name string) string {
	c.t.Helper()
	var reason string
	_ = json.Unmarshal(c.do("drop", map[string]any{"name": name}), &reason)
	return reason
}

// Reconnect reconnects the dropped socket name to url, sending its pid and
// last offset as the client does after any reconnection.
func (c *Clients) Reconnect(name, url string) Conn {
	c.t.Helper()
	var conn Conn
	if err := json.Unmarshal(c.do("reconnect", map[string]any{"name": name, "url": url}), &conn); err != nil {
		c.t.Fatal(err)
	}
	return conn
}

// Close disconnects socket name.
func (c *Clients) Close(name string) {
	c.t.Helper()
	c.do("close", map[string]any{"name": name})
}

// WaitFor returns the first event called event that socket name received
// and the test has not taken yet, waiting up to testkit.Timeout.
func (c *Clients) WaitFor(name, event string) Event {
	c.t.Helper()
	deadline := time.NewTimer(testkit.Timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i, e := range c.backlog[name] {
			if e.Event == event {
				c.backlog[name] = append(c.backlog[name][:i:i], c.backlog[name][i+1:]...)
				c.mu.Unlock()
				return e
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			c.t.Fatalf("socket %s: no %q event within %v (has %v)", name, event, testkit.Timeout, c.Events(name))
		}
	}
}

// Events are the events socket name received that the test has not taken.
func (c *Clients) Events(name string) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.backlog[name]...)
}

// NotReceived fails the test if socket name holds an event called event.
// Call it after an event that was sent after the one that must not come.
func (c *Clients) NotReceived(name, event string) {
	c.t.Helper()
	for _, e := range c.Events(name) {
		if e.Event == event {
			c.t.Errorf("socket %s got %s %s, want nothing", name, event, e.Args)
		}
	}
}

func nonNil(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// WaitForMatch is WaitFor for the first event called event that match
// accepts; the events before it that it skips are dropped.
func (c *Clients) WaitForMatch(name, event string, match func(Event) bool) Event {
	c.t.Helper()
	deadline := time.NewTimer(testkit.Timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i, e := range c.backlog[name] {
			if e.Event == event && match(e) {
				c.backlog[name] = append([]Event(nil), c.backlog[name][i+1:]...)
				c.mu.Unlock()
				return e
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			c.t.Fatalf("socket %s: no matching %q event within %v", name, event, testkit.Timeout)
		}
	}
}
