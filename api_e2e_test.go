package actorio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actorio/actorio"
)

// The harness of the API tests (api_*_test.go): sockets of the official
// npm socket.io-client driven line by line by testdata/e2e/api_client.js
// (a puppet), against the server on a loopback port; node and the scripts
// run as in sio_e2e_test.go (runNode, e2eContext).

const apiE2EScript = "testdata/e2e/api_client.js"

// puppet is one run of api_client.js.
type puppet struct {
	*nodeRun
	t       *testing.T
	ctx     context.Context
	backlog []puppetEvent // printed and not yet waited for
	seen    []puppetEvent // every event, in order
}

// puppetEvent is one line api_client.js printed.
type puppetEvent struct {
	Event   string // connected, connect_error, disconnect, got, result
	Name    string // the socket's
	ID      string
	Ev      string // the event a socket got
	Args    json.RawMessage
	Ack     bool
	Reason  string
	Message string
}

func (e puppetEvent) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}

func startPuppet(t *testing.T, ctx context.Context, url string, c sioCase) *puppet {
	t.Helper()
	name := fmt.Sprintf("api_client.js %s %s", c.transport, c.parser)
	r, _ := runNode(t, ctx, apiE2EScript, name, url, c.transport, c.parser)
	return &puppet{nodeRun: r, t: t, ctx: ctx}
}

// do sends a command.
func (p *puppet) do(cmd map[string]any) {
	p.t.Helper()
	line, err := json.Marshal(cmd)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		p.t.Fatalf("puppet command %s: %v", line, err)
	}
}

func (p *puppet) emit(name, event string, args ...any) {
	p.t.Helper()
	if args == nil {
		args = []any{}
	}
	p.do(map[string]any{"op": "emit", "name": name, "event": event, "args": args})
}

// connect opens socket name on nsp and returns its id.
func (p *puppet) connect(name, nsp string) string {
	p.t.Helper()
	p.do(map[string]any{"op": "connect", "name": name, "nsp": nsp})
	ev := p.wait(name+" connected", func(e puppetEvent) bool {
		return e.Name == name && (e.Event == "connected" || e.Event == "connect_error")
	})
	if ev.Event != "connected" {
		p.t.Fatalf("socket %s on %s: %s, want connected", name, nsp, ev)
	}
	return ev.ID
}

// wait returns the first event, printed or to come, that match accepts;
// the others stay for later waits.
func (p *puppet) wait(what string, match func(puppetEvent) bool) puppetEvent {
	p.t.Helper()
	for i, e := range p.backlog {
		if match(e) {
			p.backlog = slices.Delete(p.backlog, i, i+1)
			return e
		}
	}
	for {
		raw := p.next(p.ctx)
		var e puppetEvent
		if err := json.Unmarshal(raw.raw, &e); err != nil {
			p.t.Fatalf("puppet printed %s: %v", raw.raw, err)
		}
		p.seen = append(p.seen, e)
		if e.Event == "result" {
			p.t.Fatalf("puppet ended while waiting for %s; it printed:\n%s", what, p.history())
		}
		if match(e) {
			return e
		}
		p.backlog = append(p.backlog, e)
	}
}

// got waits until socket name has received event and returns that event.
func (p *puppet) got(name, event string) puppetEvent {
	p.t.Helper()
	return p.wait(name+" got "+event, func(e puppetEvent) bool { return e.Event == "got" && e.Name == name && e.Ev == event })
}

// gotBefore reports the events socket name received before the one named
// mark (waited for), in order.
func (p *puppet) gotBefore(name, mark string) []string {
	p.t.Helper()
	p.got(name, mark)
	var out []string
	for _, e := range p.seen {
		if e.Event != "got" || e.Name != name {
			continue
		}
		if e.Ev == mark {
			break
		}
		out = append(out, e.Ev)
	}
	return out
}

func (p *puppet) history() string {
	var b strings.Builder
	for _, e := range p.seen {
		fmt.Fprintf(&b, "\t%s\n", e)
	}
	return b.String()
}

// exit disconnects every socket and waits for the script to end.
func (p *puppet) exit() {
	p.t.Helper()
	p.do(map[string]any{"op": "exit"})
	var res struct{}
	p.result(p.ctx, &res)
}

// answer decodes an ack's or an answer's first argument as a string.
func answer(t *testing.T, a actorio.Args) string {
	t.Helper()
	var s string
	if a.Len() == 0 {
		return "<no arguments>"
	}
	if err := a.Decode(0, &s); err != nil {
		t.Errorf("Decode(0) of an answer: %v", err)
	}
	return s
}
