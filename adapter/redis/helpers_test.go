package redis_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/actorio/actorio"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// maxLog is how much of a server's log a failed test prints.
const maxLog = 16 << 10

// goServer is an Actorio server joined to a cluster through the adapter,
// with the event protocol of testdata/cluster/node_server.js that the tests
// use on both kinds of server: "join" and "leave" (room, ack), and the
// server-side events "sse" (payload: io.local.emit("sse-got", payload)) and
// "ping-sse" (payload, cb: cb({from: "go", got: payload})).
type goServer struct {
	name string
	srv  *actorio.Server
	ad   *redisadapter.Adapter
	url  string
	log  *testkit.SyncBuffer
	sse  chan []byte // each "sse" it received, as JSON
}

func startGo(t *testing.T, rs *redistest.Server, name string, parser actorio.Parser, o *redisadapter.Options) *goServer {
	t.Helper()
	g := &goServer{name: name, log: &testkit.SyncBuffer{}, sse: make(chan []byte, 16)}
	logger := zerolog.New(g.log).Level(zerolog.DebugLevel).With().Timestamp().Str("server", name).Logger()
	var opts redisadapter.Options
	if o != nil {
		opts = *o
	}
	opts.Logger = logger
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), DisableIdentity: true})
	ad, err := redisadapter.New(context.Background(), rdb, &opts)
	if err != nil {
		t.Fatalf("redis.New(%s) = %v", rs.Addr(), err)
	}
	g.ad = ad
	g.srv = actorio.NewServer(&actorio.Options{Adapter: ad, Parser: parser,
		EngineOptions: actorio.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute, Logger: logger}})
	hs := httptest.NewServer(g.srv)
	g.url = hs.URL
	t.Cleanup(func() {
		g.srv.Close()
		hs.Close()
		_ = rdb.Close()
		if t.Failed() {
			t.Logf("server %s log (end):\n%s", name, g.log.Tail(maxLog))
		}
	})
	g.srv.OnConnection(func(s *actorio.Socket) {
		s.SetData(map[string]any{"server": name})
		_ = s.On("join", func(room string, ack actorio.Ack) {
			s.JoinCount(room)
			_ = ack.Send(true)
		})
		_ = s.On("leave", func(room string, ack actorio.Ack) {
			s.Leave(room)
			_ = ack.Send(true)
		})
	})
	nsp := g.srv.Of("/")
	_ = nsp.OnServerSideEmit("sse", func(a actorio.Args) {
		if a.Len() > 0 {
			g.sse <- a.Raw(0)
		}
		_ = nsp.To().Local().Emit("sse-got", a.Forward()...)
	})
	_ = nsp.OnServerSideEmit("ping-sse", func(a actorio.Args, ack actorio.Ack) {
		var got any
		if a.Len() > 0 {
			got = a.Forward()[0]
		}
		_ = ack.Send(map[string]any{"from": "go", "got": got})
	})
	return g
}

// pool is a set of official socket.io clients in one Node process
// (testdata/clients.js).
type pool struct {
	t      *testing.T
	stdin  io.WriteCloser
	stderr testkit.SyncBuffer

	mu      sync.Mutex
	boxes   map[string]chan event // per client
	answers map[int]chan event
	seq     int
}

// event is one line of clients.js; Args is the JSON of the arguments, with
// binary as "bin:<hex>".
type event struct {
	Event   string          `json:"event"`
	Name    string          `json:"name"`
	ID      string          `json:"id"`
	Seq     int             `json:"seq"`
	Ev      string          `json:"ev"`
	Reason  string          `json:"reason"`
	Message string          `json:"message"`
	Args    json.RawMessage `json:"args"`
}

func (e event) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}

func startPool(t *testing.T) *pool {
	t.Helper()
	p := &pool{t: t, boxes: map[string]chan event{}, answers: map[int]chan event{}}
	cmd := exec.Command("node", "testdata/clients.js")
	testkit.DieWithParent(cmd)
	cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("node testdata/clients.js: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				fmt.Fprintf(&p.stderr, "unreadable line %q: %v\n", sc.Text(), err)
				continue
			}
			if e.Event == "answer" {
				p.mu.Lock()
				c := p.answers[e.Seq]
				p.mu.Unlock()
				if c != nil {
					c <- e
				}
				continue
			}
			select {
			case p.box(e.Name) <- e:
			default:
				fmt.Fprintf(&p.stderr, "client %s: too many unread events, dropped %v\n", e.Name, e)
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close()
		timer := time.NewTimer(testkit.Timeout)
		defer timer.Stop()
		select {
		case <-exited:
		case <-timer.C:
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("clients.js: still running %v after its stdin closed", testkit.Timeout)
		}
		if t.Failed() {
			t.Logf("clients.js stderr:\n%s", p.stderr.Tail(maxLog))
		}
	})
	return p
}

func (p *pool) box(name string) chan event {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.boxes[name]
	if !ok {
		c = make(chan event, 4096)
		p.boxes[name] = c
	}
	return c
}

func (p *pool) send(cmd map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("clients.js: write %s: %v", b, err)
	}
}

// connect connects client name to url (a namespace path may follow the
// host) with parser, joins rooms and returns its socket id.
func (p *pool) connect(name, url, nsp, parser string, rooms ...string) string {
	p.t.Helper()
	p.send(map[string]any{"cmd": "connect", "name": name, "url": url, "nsp": nsp, "parser": parser})
	e := p.next(name)
	if e.Event != "connect" {
		p.t.Fatalf("client %s: %v, want connect", name, e)
	}
	for _, r := range rooms {
		p.ask(name, "join", r)
	}
	return e.ID
}

// ask emits with an ack and returns the answer's arguments as JSON.
func (p *pool) ask(name, ev string, args ...any) string {
	p.t.Helper()
	p.mu.Lock()
	p.seq++
	seq := p.seq
	c := make(chan event, 1)
	p.answers[seq] = c
	p.mu.Unlock()
	p.send(map[string]any{"cmd": "ask", "name": name, "event": ev, "args": nonNilArgs(args), "seq": seq})
	e := testkit.Recv(p.t, c, fmt.Sprintf("client %s: the answer to %s%v", name, ev, args))
	if e.Message != "" {
		p.t.Fatalf("client %s: %s%v: %s", name, ev, args, e.Message)
	}
	return string(e.Args)
}

func nonNilArgs(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

// next is client name's next event.
func (p *pool) next(name string) event {
	p.t.Helper()
	return testkit.Recv(p.t, p.box(name), "client "+name+": next event")
}

// expect reads client name's next event, which must be message ev; it
// returns its arguments' JSON.
func (p *pool) expect(name, ev string) string {
	p.t.Helper()
	e := p.next(name)
	if e.Event != "message" || e.Ev != ev {
		p.t.Fatalf("client %s: got %v, want message %q", name, e, ev)
	}
	return string(e.Args)
}

// skipUntil reads client name's events until message ev, skipping messages
// named skip; it returns ev's arguments.
func (p *pool) skipUntil(name, ev, skip string) string {
	p.t.Helper()
	for {
		e := p.next(name)
		if e.Event == "message" && e.Ev == ev {
			return string(e.Args)
		}
		if e.Event != "message" || e.Ev != skip {
			p.t.Fatalf("client %s: got %v, want message %q", name, e, ev)
		}
	}
}

// received checks who got event ev (with args want) before the fence that
// the test sent after it to every client: exactly the clients in got.
func (p *pool) received(all []string, got []string, ev, want, fence string) {
	p.t.Helper()
	for _, name := range all {
		e := p.next(name)
		if slices.Contains(got, name) {
			if e.Event != "message" || e.Ev != ev || string(e.Args) != want {
				p.t.Errorf("client %s: got %v, want %s%s", name, e, ev, want)
				continue
			}
			e = p.next(name)
		}
		if e.Event != "message" || e.Ev != fence {
			p.t.Errorf("client %s: got %v, want the fence %q", name, e, fence)
		}
	}
}

// eventually polls cond with a deadline (testkit.Eventually, for
// readability at the call sites).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, what, cond)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// receive reads the next pub/sub message of ps, skipping subscription
// confirmations, with a read deadline of testkit.Timeout.
func receive(t *testing.T, ps *goredis.PubSub) *goredis.Message {
	t.Helper()
	for {
		msg, err := ps.ReceiveTimeout(context.Background(), testkit.Timeout)
		if err != nil {
			t.Fatalf("%v: no message within %v: %v", ps, testkit.Timeout, err)
		}
		if m, ok := msg.(*goredis.Message); ok {
			return m
		}
	}
}

// subscribed returns once Redis has confirmed ps's subscription.
func subscribed(t *testing.T, ps *goredis.PubSub) {
	t.Helper()
	msg, err := ps.ReceiveTimeout(context.Background(), testkit.Timeout)
	if _, ok := msg.(*goredis.Subscription); err != nil || !ok {
		t.Fatalf("%v: %v, %v, want the subscription's confirmation", ps, msg, err)
	}
}
