package redis_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter/internal/clustertest"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

func shardedAdapter(t *testing.T, r *redistest.Server, o *redisadapter.ShardedOptions) *redisadapter.ShardedAdapter {
	t.Helper()
	a, err := redisadapter.NewSharded(context.Background(), r.Client(), o)
	if err != nil {
		t.Fatalf("NewSharded = %v", err)
	}
	return a
}

// shardedCluster waits for the dynamic room subscriptions, which follow
// joins without saying when they are in place (in Node as in Go).
func shardedCluster(r *redistest.Server) clustertest.Cluster {
	c := r.Client()
	return clustertest.Cluster{RoomReady: func(t testing.TB, room string, servers int) {
		channel := "socket.io#/#" + room + "#"
		testkit.Eventually(t, "subscriptions to "+channel, func() bool {
			n, err := c.PubSubShardNumSub(context.Background(), channel).Result()
			return err == nil && n[channel] >= int64(servers)
		})
	}}
}

func TestShardedGoCluster(t *testing.T) {
	for _, mode := range []string{redisadapter.ShardedDynamic, redisadapter.ShardedStatic, redisadapter.ShardedDynamicPrivate} {
		t.Run(mode, func(t *testing.T) {
			r := redistest.Start(t)
			o := &redisadapter.ShardedOptions{SubscriptionMode: mode}
			A := clustertest.StartGo(t, shardedAdapter(t, r, o), false)
			B := clustertest.StartGo(t, shardedAdapter(t, r, o), false)
			c := clustertest.Cluster{}
			if mode != redisadapter.ShardedStatic {
				c = shardedCluster(r)
			}
			cl := clustertest.StartClients(t)
			clustertest.Scenario(t, cl, clustertest.Member{URL: A.URL(), Kind: "go"}, clustertest.Member{URL: B.URL(), Kind: "go"}, c)
			clustertest.AllRooms(t, cl, A, B.URL())
		})
	}
}

func TestShardedMixedCluster(t *testing.T) {
	r := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: r.URL(), Adapter: "sharded"})
	g := clustertest.StartGo(t, shardedAdapter(t, r, nil), false)
	cl := clustertest.StartClients(t)
	clustertest.Scenario(t, cl, clustertest.Member{URL: node.URL(), Kind: "node"}, clustertest.Member{URL: g.URL(), Kind: "go"}, shardedCluster(r))
	clustertest.CheckHandshakes(t, g.Server)
	clustertest.AllRooms(t, cl, g, node.URL())
}

// TestShardedWire reads what a Go server publishes, as Node's
// computeChannel and encode would: a broadcast to one public room on the
// room's channel in the dynamic modes, to a socket id on the namespace's
// channel unless dynamic-private, JSON unless binary.
func TestShardedWire(t *testing.T) {
	r := redistest.Start(t)
	obs := r.Client().SSubscribe(context.Background(), "socket.io#/#", "socket.io#/#room#", "socket.io#/#abcdefghijklmnopqrst#")
	defer obs.Close()
	for range 3 {
		if _, err := obs.ReceiveTimeout(context.Background(), testkit.Timeout); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		mode, room string
		bin        bool
		channel    string
		want       string // with <uid> for the sender's
	}{
		{"dynamic", "room", false, "socket.io#/#room#", `{"type":3,"data":{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["room"],"except":[],"flags":{}}},"uid":"<uid>","nsp":"/"}`},
		{"dynamic", "abcdefghijklmnopqrst", false, "socket.io#/#", `{"type":3,"data":{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["abcdefghijklmnopqrst"],"except":[],"flags":{}}},"uid":"<uid>","nsp":"/"}`},
		{"dynamic-private", "abcdefghijklmnopqrst", false, "socket.io#/#abcdefghijklmnopqrst#", ""},
		{"static", "room", false, "socket.io#/#", ""},
		{"dynamic", "room", true, "socket.io#/#room#", "msgpack"},
	}
	for _, tt := range tests {
		a := shardedAdapter(t, r, &redisadapter.ShardedOptions{SubscriptionMode: tt.mode})
		srv := actorio.NewServer(&actorio.Options{Adapter: a})
		var err error
		if tt.bin {
			err = srv.To(tt.room).Emit("ev", []byte{1})
		} else {
			err = srv.To(tt.room).Emit("ev", 1)
		}
		if err != nil {
			t.Fatal(err)
		}
		msg, err := obs.ReceiveTimeout(context.Background(), testkit.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		m := msg.(*goredis.Message)
		if m.Channel != tt.channel {
			t.Errorf("%s to %s: published on %s, want %s", tt.mode, tt.room, m.Channel, tt.channel)
		}
		switch want := strings.ReplaceAll(tt.want, "<uid>", a.UID()); {
		case want == "msgpack":
			if m.Payload[0] == '{' {
				t.Errorf("%s binary broadcast = %s, want msgpack", tt.mode, m.Payload)
			}
		case want != "" && m.Payload != want:
			t.Errorf("%s to %s = %s, want %s", tt.mode, tt.room, m.Payload, want)
		}
		srv.Close()
	}
}

func TestShardedOptions(t *testing.T) {
	r := redistest.Start(t)
	if _, err := redisadapter.NewSharded(context.Background(), r.Client(), &redisadapter.ShardedOptions{SubscriptionMode: "sometimes"}); err == nil {
		t.Error("NewSharded(mode sometimes) = nil error")
	}
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	if _, err := redisadapter.NewSharded(context.Background(), c, nil); err == nil || !strings.Contains(err.Error(), "redis unreachable") {
		t.Errorf("NewSharded(unreachable) = %v, want a redis unreachable error", err)
	}
}

// TestShardedRedisRestart: Redis killed and restarted empty; the adapters
// subscribe again to their namespace and room channels on their own.
func TestShardedRedisRestart(t *testing.T) {
	r := redistest.Start(t)
	var log testkit.SyncBuffer
	adA := shardedAdapter(t, r, &redisadapter.ShardedOptions{Logger: zerolog.New(&log)})
	adB := shardedAdapter(t, r, nil)
	A := clustertest.StartGo(t, adA, false)
	B := clustertest.StartGo(t, adB, false)
	cl := clustertest.StartClients(t)
	cl.Connect("a", A.URL())
	cl.Connect("b", B.URL())
	cl.Call("a", "join", "r")
	cl.Call("b", "join", "r")
	ready := shardedCluster(r).RoomReady
	ready(t, "r", 2)

	r.Stop()
	testkit.Eventually(t, "Redis gone", func() bool { return !adA.Health().Connected && !adB.Health().Connected })
	if err := A.Server.To("r").Emit("lost", 1); err == nil {
		t.Error("Emit while Redis is gone = nil error, want the adapter's")
	}
	cl.WaitFor("a", "lost") // local delivery goes on
	start := time.Now()
	if got := string(cl.Call("a", "fetch", "r")); !strings.Contains(got, "error") || time.Since(start) > 6*time.Second {
		t.Errorf("fetch while Redis is gone = %s after %v, want an error", got, time.Since(start))
	}

	r.Restart()
	testkit.Eventually(t, "both adapters back", func() bool { return adA.Health().Connected && adB.Health().Connected })
	ready(t, "r", 2)
	cl.Call("a", "to", "r", "back", 2)
	cl.WaitFor("b", "back")
	var res []string
	if err := json.Unmarshal(cl.Call("b", "fetch", "r"), &res); err != nil || len(res) != 2 {
		t.Errorf("fetch after the restart = %v, %v, want both sockets", res, err)
	}
	if h := adA.Health(); h.Reconnects != 1 || h.PublishErrors == 0 {
		t.Errorf("Health = %+v, want 1 reconnect and the failed publish", h)
	}
	if lost, back := strings.Count(log.String(), "cluster connection lost"), strings.Count(log.String(), "cluster connection regained"); lost != 1 || back != 1 {
		t.Errorf("log has %d lost and %d regained lines, want one each:\n%s", lost, back, log.String())
	}
}

func TestShardedCloseLeavesNothing(t *testing.T) {
	r := redistest.Start(t)
	a := shardedAdapter(t, r, nil)
	b := shardedAdapter(t, r, nil)
	srvA := actorio.NewServer(&actorio.Options{Adapter: a})
	srvB := actorio.NewServer(&actorio.Options{Adapter: b})
	a.RoomCreated("/", "some-room") // a room subscription in progress
	if _, err := srvA.Of("/").FetchSockets(context.Background()); err != nil {
		t.Fatal(err)
	}
	srvA.Close()
	srvB.Close()
	clustertest.NoAdapterGoroutines(t)
}

// TestShardedRoomChannels: in the dynamic mode a room's channel is
// subscribed while the room has local members, a socket's own room never.
func TestShardedRoomChannels(t *testing.T) {
	r := redistest.Start(t)
	g := clustertest.StartGo(t, shardedAdapter(t, r, nil), false)
	cl := clustertest.StartClients(t)
	id := cl.Connect("a", g.URL()).ID
	c := r.Client()
	subs := func(room string) int64 {
		ch := "socket.io#/#" + room + "#"
		n, err := c.PubSubShardNumSub(context.Background(), ch).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[ch]
	}
	cl.Call("a", "join", "tmp")
	testkit.Eventually(t, "the room's channel subscribed", func() bool { return subs("tmp") == 1 })
	cl.Call("a", "leave", "tmp")
	testkit.Eventually(t, "the room's channel unsubscribed", func() bool { return subs("tmp") == 0 })
	if n := subs(id); n != 0 {
		t.Errorf("SHARDNUMSUB of the socket's own room = %d, want 0", n)
	}
}

func TestShardedServerKilled(t *testing.T) {
	r := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: r.URL(), Adapter: "sharded"})
	clustertest.ServerKilled(t, clustertest.StartGo(t, shardedAdapter(t, r, nil), false), node.Kill)
}
