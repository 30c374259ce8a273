package redisstreams_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/adapter/redisstreams"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

func TestNewUnreachable(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	a, err := redisstreams.New(ctx, c, nil)
	if err == nil || !strings.Contains(err.Error(), "redisstreams: redis unreachable") {
		t.Errorf("New(unreachable) = %v, %v, want a redis unreachable error", a, err)
	}
}

// TestRedisRestart: Redis dies under traffic and comes back empty on the
// same port. Meanwhile local delivery goes on and cluster requests fail
// with an error instead of hanging; afterwards the adapters are
// subscribed and reading again without help, Health and the log say what
// happened once each way, and Close leaves nothing running.
func TestRedisRestart(t *testing.T) {
	r := redistest.Start(t)
	var logA testkit.SyncBuffer
	adA, adB := newAdapter(t, r, &logA), newAdapter(t, r, nil)
	A := clustertest.StartGo(t, adA, false)
	B := clustertest.StartGo(t, adB, false)
	cl := clustertest.StartClients(t)
	cl.Connect("a", A.URL())
	cl.Connect("b", B.URL())
	cl.Call("a", "join", "r")
	cl.Call("b", "join", "r")

	// Traffic: A broadcasts a tick every few milliseconds throughout.
	var (
		mu      sync.Mutex
		ticks   int
		failed  int
		slowest time.Duration
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			start := time.Now()
			err := A.Server.To("r").Emit("tick", i)
			mu.Lock()
			ticks = i
			if err != nil {
				failed++
			}
			slowest = max(slowest, time.Since(start))
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-done
	})
	tickAfter := func(n int) func(clustertest.Event) bool {
		return func(e clustertest.Event) bool {
			var i int
			_ = json.Unmarshal(e.Args[0], &i)
			return i >= n
		}
	}
	cl.WaitForMatch("b", "tick", tickAfter(0))

	r.Stop()
	testkit.Eventually(t, "A's adapter to see Redis gone", func() bool { return !adA.Health().Connected })
	testkit.Eventually(t, "broadcasts to fail while Redis is gone", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed >= 3
	})

	// Local delivery goes on.
	mu.Lock()
	n := ticks
	mu.Unlock()
	cl.WaitForMatch("a", "tick", tickAfter(n+1))
	// Cluster requests fail, within their timeout.
	for _, ev := range []string{"fetch", "sseAck"} {
		start := time.Now()
		got := string(cl.Call("a", ev, "r"))
		if !strings.Contains(got, "error") || time.Since(start) > 6*time.Second {
			t.Errorf("%s during the outage = %s after %v, want an error within the 5s timeout", ev, got, time.Since(start))
		}
	}
	if got := string(cl.Call("a", "bcastAck", "r", "q")); !strings.Contains(got, "error") {
		t.Errorf("bcastAck during the outage = %s, want an error", got)
	}
	cl.WaitFor("a", "question")

	r.Restart()
	testkit.Eventually(t, "both adapters back", func() bool { return adA.Health().Connected && adB.Health().Connected })
	mu.Lock()
	n = ticks
	mu.Unlock()
	cl.WaitForMatch("b", "tick", tickAfter(n+1))
	close(stop)
	<-done

	h := adA.Health()
	if h.Reconnects != 1 || h.PublishErrors == 0 {
		t.Errorf("Health after the restart = %+v, want 1 reconnect and some publish errors", h)
	}
	mu.Lock()
	t.Logf("%d ticks, %d failed while Redis was away, slowest Emit %v", ticks, failed, slowest)
	if failed == 0 || slowest > 5*time.Second {
		t.Errorf("during the outage: %d failed Emits, slowest %v; want some, none slower than 5s", failed, slowest)
	}
	mu.Unlock()
	log := logA.String()
	if lost, back := strings.Count(log, "cluster connection lost"), strings.Count(log, "cluster connection regained"); lost != 1 || back != 1 {
		t.Errorf("log has %d lost and %d regained lines, want one each:\n%s", lost, back, log)
	}
	if !strings.Contains(log, `"component":"adapter"`) {
		t.Errorf("log lines without component adapter:\n%s", log)
	}
}

// TestCloseLeavesNothing: after Close, no goroutine of the adapter runs,
// whatever it was doing (a blocked XREAD, a subscription, a request).
func TestCloseLeavesNothing(t *testing.T) {
	r := redistest.Start(t)
	ad := newAdapter(t, r, nil)
	srv := actorio.NewServer(&actorio.Options{Adapter: ad, ConnectionStateRecovery: &actorio.RecoveryOptions{}})
	other := newAdapter(t, r, nil)
	otherSrv := actorio.NewServer(&actorio.Options{Adapter: other})
	if err := srv.To("x").Emit("e", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Of("/").FetchSockets(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	otherSrv.Close()
	clustertest.NoAdapterGoroutines(t)
}

func TestServerKilled(t *testing.T) {
	r := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: r.URL(), Adapter: "streams"})
	clustertest.ServerKilled(t, clustertest.StartGo(t, newAdapter(t, r, nil), false), node.Kill)
}
