package actorio_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/actorio/actorio"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit/redistest"
	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// startAdminClusterServer is one instrumented server, named id, joined to
// the cluster on rs.
func startAdminClusterServer(t *testing.T, rs *redistest.Server, id string, log *syncBuffer) string {
	t.Helper()
	logger := zerolog.New(log).Level(zerolog.DebugLevel).With().Timestamp().Str("server", id).Logger()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), DisableIdentity: true})
	ad, err := redisadapter.New(context.Background(), rdb, &redisadapter.Options{Logger: logger})
	if err != nil {
		t.Fatalf("redis.New(%s) = %v", rs.Addr(), err)
	}
	srv := actorio.NewServer(&actorio.Options{Adapter: ad, EngineOptions: actorio.EngineOptions{Logger: logger}})
	ui, err := actorio.Instrument(srv, actorio.AdminUIOptions{NoAuth: true, ServerID: id, StatsInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("lobby")
		_ = s.Emit("joined")
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ui.Close()
		srv.Close()
		hs.Close()
		_ = rdb.Close()
	})
	return hs.URL
}

// With a cluster adapter each server reports itself, as Node's: the admin
// of server A hears A's and B's stats, lists a socket of B with its client
// id and transport (carried in its data's _admin, as Node's
// fetchSockets does), hears its events, and disconnects it.
func TestAdminUICluster(t *testing.T) {
	requireSIONode(t)
	ctx := e2eContext(t, e2eTimeout)
	rs := redistest.Start(t)
	log := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("servers' log:\n%s", log.String())
		}
	})
	urlA := startAdminClusterServer(t, rs, "A", log)
	urlB := startAdminClusterServer(t, rs, "B", log)
	run, _ := runNode(t, ctx, adminScript, "admin cluster", "cluster", urlA, urlB)
	var res struct {
		UserID       string
		Sockets      []adminSocketJSON
		Servers      []string
		ReceivedArgs []any
		UserReason   string
	}
	run.result(ctx, &res)

	if !slices.Equal(res.Servers, []string{"A", "B"}) {
		t.Errorf("server_stats came from %q, want A and B", res.Servers)
	}
	i := slices.IndexFunc(res.Sockets, func(s adminSocketJSON) bool { return s.ID == res.UserID })
	if i < 0 {
		t.Fatalf("A's all_sockets = %+v, want B's socket %s", res.Sockets, res.UserID)
	}
	user := res.Sockets[i]
	if len(user.ClientID) != 12 || user.Transport != "websocket" || !slices.Contains(user.Rooms, "lobby") || user.Data["_admin"] != nil {
		t.Errorf("B's socket as A lists it = %+v, want a 12-character clientId, websocket, room lobby, no _admin in data", user)
	}
	if got := mustJSON(t, res.ReceivedArgs); got != `["hello","from B"]` {
		t.Errorf("event_received args = %s, want %s", got, `["hello","from B"]`)
	}
	if res.UserReason != "io server disconnect" {
		t.Errorf("user's disconnect reason = %q, want %q", res.UserReason, "io server disconnect")
	}
}
