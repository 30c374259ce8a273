package redisstreams_test

import (
	"context"
	"testing"

	"github.com/actorio/actorio/adapter/internal/clustertest"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// sessions counts the recovery sessions kept in r.
func sessions(t *testing.T, r *redistest.Server) func() int {
	c := r.Client()
	return func() int {
		keys, err := c.Keys(context.Background(), "sio:session:*").Result()
		if err != nil {
			t.Fatalf("KEYS: %v", err)
		}
		return len(keys)
	}
}

func TestRecovery(t *testing.T) {
	tests := []struct {
		name string
		a, b string // "go" or "node": where the socket is first, where it recovers
	}{
		{"go to go", "go", "go"},
		{"node to go", "node", "go"},
		{"go to node", "go", "node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := redistest.Start(t)
			member := func(kind string) clustertest.Member {
				if kind == "node" {
					n := nodecluster.Start(t, nodecluster.Options{RedisURL: r.URL(), Adapter: "streams", Recovery: true})
					return clustertest.Member{URL: n.URL(), Kind: kind}
				}
				g := clustertest.StartGo(t, newAdapter(t, r, nil), true)
				return clustertest.Member{URL: g.URL(), Kind: kind}
			}
			A, B := member(tt.a), member(tt.b)
			clustertest.Recovery(t, clustertest.StartClients(t), A, B, clustertest.Cluster{}, sessions(t, r))
		})
	}
}
