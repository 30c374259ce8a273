package redisstreams_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/adapter/redisstreams"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// newAdapter joins a streams cluster on r, logging into log.
func newAdapter(t *testing.T, r *redistest.Server, log *testkit.SyncBuffer) *redisstreams.Adapter {
	t.Helper()
	opts := &redisstreams.Options{}
	if log != nil {
		opts.Logger = zerolog.New(log)
	}
	a, err := redisstreams.New(context.Background(), r.Client(), opts)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	return a
}

func newBenchAdapter(b *testing.B, r *redistest.Server) *redisstreams.Adapter {
	a, err := redisstreams.New(context.Background(), r.Client(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a
}

func TestGoCluster(t *testing.T) {
	tests := []struct {
		name string
		opts redisstreams.Options
	}{
		{"defaults", redisstreams.Options{}},
		{"sharded pub/sub, plaintext, one-entry reads", redisstreams.Options{UseShardedPubSub: true, OnlyPlaintext: true, ReadCount: 1, ChannelPrefix: "p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := redistest.Start(t)
			start := func() *clustertest.GoServer {
				o := tt.opts
				a, err := redisstreams.New(context.Background(), r.Client(), &o)
				if err != nil {
					t.Fatal(err)
				}
				return clustertest.StartGo(t, a, false)
			}
			A, B := start(), start()
			cl := clustertest.StartClients(t)
			clustertest.Scenario(t, cl, clustertest.Member{URL: A.URL(), Kind: "go"}, clustertest.Member{URL: B.URL(), Kind: "go"}, clustertest.Cluster{})
			clustertest.AllRooms(t, cl, A, B.URL())
		})
	}
}

func TestMixedCluster(t *testing.T) {
	r := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: r.URL(), Adapter: "streams"})
	g := clustertest.StartGo(t, newAdapter(t, r, nil), false)
	cl := clustertest.StartClients(t)
	clustertest.Scenario(t, cl, clustertest.Member{URL: node.URL(), Kind: "node"}, clustertest.Member{URL: g.URL(), Kind: "go"}, clustertest.Cluster{})
	clustertest.CheckHandshakes(t, g.Server)
	clustertest.AllRooms(t, cl, g, node.URL())
}

// TestStreamCount: with several streams, a namespace's messages go to the
// stream Node's hashCode picks ("/" hashes to 47: socket.io-2 of 3), and
// every server reads them there.
func TestStreamCount(t *testing.T) {
	r := redistest.Start(t)
	opts := &redisstreams.Options{StreamCount: 3}
	start := func() *clustertest.GoServer {
		a, err := redisstreams.New(context.Background(), r.Client(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return clustertest.StartGo(t, a, false)
	}
	A, B := start(), start()
	cl := clustertest.StartClients(t)
	cl.Connect("b", B.URL())
	cl.Call("b", "join", "r")
	if err := A.Server.To("r").Emit("x", 1); err != nil {
		t.Fatal(err)
	}
	cl.WaitFor("b", "x")
	for i, want := range []int64{0, 0, 1} {
		name := "socket.io-" + string(rune('0'+i))
		if n := r.Client().XLen(context.Background(), name).Val(); n != want {
			t.Errorf("XLEN %s = %d, want %d", name, n, want)
		}
	}
}
