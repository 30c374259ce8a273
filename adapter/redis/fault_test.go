package redis_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/redistest"
	"github.com/actorio/actorio/protocol/sio"
)

// bound is what "quickly" means for a call while Redis is away: the
// adapter's one-second command bound, with room for a loaded machine.
const bound = 3 * time.Second

// TestRedisRestartUnderTraffic: redis-server dies while A broadcasts to a
// room with clients on both servers, and comes back on the same port.
// Meanwhile local delivery goes on and every call returns in bounded time
// with an error; afterwards the subscriptions are back (Health shows the
// reconnection, the log says so) and cross-server broadcasts work again.
func TestRedisRestartUnderTraffic(t *testing.T) {
	rs := redistest.Start(t)
	opts := &redisadapter.Options{RequestsTimeout: time.Second}
	a := startGo(t, rs, "A", actorio.ParserDefault, opts)
	b := startGo(t, rs, "B", actorio.ParserMsgpack, opts)
	p := startPool(t)
	p.connect("a1", a.url, "/", "json", "r1")
	p.connect("b1", b.url, "/", "msgpack", "r1")
	ctx := context.Background()

	// Traffic: A emits "tick" to r1 until told to stop, and notes how long
	// each Emit took and how many failed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ticks, failed int
	var slowest time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			err := a.srv.To("r1").Emit("tick")
			d := time.Since(start)
			mu.Lock()
			ticks++
			if err != nil {
				failed++
			}
			slowest = max(slowest, d)
			mu.Unlock()
		}
	}()
	stopTraffic := func() {
		select {
		case <-stop:
		default:
			close(stop)
			wg.Wait()
		}
	}
	t.Cleanup(stopTraffic)
	p.expect("b1", "tick") // the traffic crosses servers

	rs.Stop()
	eventually(t, "A and B see Redis lost", func() bool {
		return !a.ad.Health().Connected && !b.ad.Health().Connected
	})
	eventually(t, "an Emit failing while Redis is away", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed > 0
	})
	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"FetchSockets", func() error { _, err := a.srv.Of("/").FetchSockets(ctx); return err }},
		{"AllRooms", func() error { _, err := a.srv.Of("/").AllRooms(ctx); return err }},
		{"ServerCount", func() error { _, err := a.srv.ServerCount(ctx); return err }},
		{"ServerSideEmitWithAck", func() error { _, err := a.srv.Of("/").ServerSideEmitWithAck(ctx, "ping-sse", 1); return err }},
		{"EmitWithAck", func() error {
			_, err := a.srv.To("nobody").Timeout(10*time.Second).EmitWithAck(ctx, "q")
			return err
		}},
		{"SocketsJoin", func() error { return a.srv.Of("/").SocketsJoin("x") }},
		{"ServerSideEmit", func() error { return a.srv.ServerSideEmit("sse", 1) }},
	} {
		start := time.Now()
		err := call.do()
		if d := time.Since(start); err == nil || d > bound {
			t.Errorf("%s while Redis is away = %v after %v, want an error within %v", call.name, err, d, bound)
		}
	}

	rs.Restart()
	for _, g := range []*goServer{a, b} {
		eventually(t, g.name+" reconnected", func() bool {
			h := g.ad.Health()
			return h.Connected && h.Reconnects >= 1
		})
	}
	eventually(t, "both servers subscribed again", func() bool {
		n, err := a.srv.ServerCount(ctx)
		return err == nil && n == 2
	})
	stopTraffic()
	mu.Lock()
	sent, lost, worst := ticks, failed, slowest
	mu.Unlock()
	if worst > bound {
		t.Errorf("slowest Emit during the outage took %v, want under %v", worst, bound)
	}
	if a.ad.Health().PublishErrors < uint64(lost) {
		t.Errorf("Health().PublishErrors = %d, want at least the %d failed emits", a.ad.Health().PublishErrors, lost)
	}
	// Local delivery went on: a1 got every tick, in order, the outage's too.
	for i := range sent {
		if ev := p.next("a1"); ev.Ev != "tick" {
			t.Fatalf("a1's event %d = %v, want tick %d of %d", i, ev, i, sent)
		}
	}
	if err := a.srv.To("r1").Emit("after"); err != nil {
		t.Fatalf("Emit after the restart = %v", err)
	}
	p.skipUntil("b1", "after", "tick")
	if err := b.srv.To("r1").Emit("back"); err != nil {
		t.Fatal(err)
	}
	p.skipUntil("a1", "back", "after")
	for _, g := range []*goServer{a, b} {
		log := g.log.String()
		for _, want := range []string{`"component":"adapter"`, "redis connection lost", "redis connection regained"} {
			if !strings.Contains(log, want) {
				t.Errorf("%s's log has no %q", g.name, want)
			}
		}
	}
	t.Logf("outage: %d emits, %d not published, slowest %v", sent, lost, worst)
}

// TestServerLeaves: a server that closes (or dies: its connection closes
// either way) is no longer counted, and requests stop waiting for it.
func TestServerLeaves(t *testing.T) {
	rs := redistest.Start(t)
	a := startGo(t, rs, "A", actorio.ParserDefault, nil)
	b := startGo(t, rs, "B", actorio.ParserDefault, nil)
	ctx := context.Background()
	if n, err := a.srv.ServerCount(ctx); err != nil || n != 2 {
		t.Fatalf("ServerCount = %d, %v, want 2", n, err)
	}
	b.srv.Close()
	eventually(t, "ServerCount 1", func() bool {
		n, err := a.srv.ServerCount(ctx)
		return err == nil && n == 1
	})
	start := time.Now()
	if _, err := a.srv.Of("/").FetchSockets(ctx); err != nil || time.Since(start) > time.Second {
		t.Errorf("FetchSockets alone = %v after %v, want nil at once", err, time.Since(start))
	}
}

// stubLocal is a server side that has nothing: for the adapter alone.
type stubLocal struct{}

func (stubLocal) Format() adapter.Format          { return adapter.FormatJSON }
func (stubLocal) RecoveryDuration() time.Duration { return 0 }
func (stubLocal) Broadcast(*sio.Packet, adapter.BroadcastOptions, string) {
}
func (stubLocal) BroadcastWithAck(_ *sio.Packet, _ adapter.BroadcastOptions, count func(int), _ func(adapter.Args)) {
	count(0)
}
func (stubLocal) FetchSockets(string, adapter.BroadcastOptions) []adapter.SocketInfo { return nil }
func (stubLocal) AddSockets(string, adapter.BroadcastOptions, []string)              {}
func (stubLocal) DelSockets(string, adapter.BroadcastOptions, []string)              {}
func (stubLocal) DisconnectSockets(string, adapter.BroadcastOptions, bool)           {}
func (stubLocal) ServerSideEmit(string, adapter.Args, func(adapter.Args))            {}
func (stubLocal) Rooms(string) []string                                              { return nil }

func newAdapter(t testing.TB, rs *redistest.Server, o *redisadapter.Options) (*redisadapter.Adapter, *goredis.Client) {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), DisableIdentity: true})
	ad, err := redisadapter.New(context.Background(), rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ad.Attach(stubLocal{}); err != nil {
		t.Fatal(err)
	}
	if err := ad.AddNamespace("/"); err != nil {
		t.Fatal(err)
	}
	return ad, rdb
}

// TestCloseDropsRequestsAndLeaksNothing: a request waiting for a server
// that never answers ends with ErrClosed when the adapter closes, and
// every goroutine the adapter started (reader, workers) is gone.
func TestCloseDropsRequestsAndLeaksNothing(t *testing.T) {
	rs := redistest.Start(t)
	// A mute server: counted by PUBSUB NUMSUB, never answering.
	mute := rs.Client().Subscribe(context.Background(), "socket.io-request#/#")
	t.Cleanup(func() { _ = mute.Close() })
	subscribed(t, mute)
	before := runtime.NumGoroutine()

	ad, rdb := newAdapter(t, rs, &redisadapter.Options{RequestsTimeout: time.Minute})
	if err := ad.AddNamespace("/chat"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ad.FetchSockets(context.Background(), "/", adapter.BroadcastOptions{})
		done <- err
	}()
	receive(t, mute) // the request is out
	if err := ad.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := testkit.Recv(t, done, "FetchSockets after Close"); !errors.Is(err, redisadapter.ErrClosed) {
		t.Errorf("FetchSockets after Close = %v, want ErrClosed", err)
	}
	if err := ad.Broadcast(context.Background(), &sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte(`["x"]`)}, adapter.BroadcastOptions{}); !errors.Is(err, redisadapter.ErrClosed) {
		t.Errorf("Broadcast after Close = %v, want ErrClosed", err)
	}
	_ = rdb.Close()
	eventually(t, "the adapter's goroutines gone", func() bool { return runtime.NumGoroutine() <= before })
}

func TestNewUnreachable(t *testing.T) {
	rs := redistest.Start(t)
	addr := rs.Addr()
	rs.Stop()
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, DisableIdentity: true, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	ad, err := redisadapter.New(ctx, rdb, nil)
	if err == nil {
		_ = ad.Close()
		t.Fatal("New with Redis down = nil error")
	}
	if msg := err.Error(); !strings.Contains(msg, addr) || !strings.Contains(msg, "unreachable") || strings.Contains(msg, "\n") {
		t.Errorf("New with Redis down = %q, want one line naming %s", msg, addr)
	}
}
