package clustertest

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/testkit"
)

// requestTimeout is node_server.js's: how long a cluster request waits.
const requestTimeout = 3 * time.Second

// GoServer is an Actorio server that speaks node_server.js's event protocol
// (written at the top of testdata/cluster/node_server.js), so one test
// drives Node and Go members alike.
type GoServer struct {
	Server *actorio.Server
	web    *httptest.Server
	Log    *testkit.SyncBuffer
}

// URL is the base URL the clients take.
func (g *GoServer) URL() string { return g.web.URL }

// StartGo starts an Actorio server on a loopback port with adapter a and,
// with recovery, connection state recovery (60 s, as node_server.js). It
// is closed when the test ends, and its log printed if the test failed.
func StartGo(t testing.TB, a adapter.Adapter, recovery bool) *GoServer {
	t.Helper()
	g := &GoServer{Log: &testkit.SyncBuffer{}}
	opts := &actorio.Options{Adapter: a}
	opts.Logger = (zerolog.New(g.Log).Level(zerolog.DebugLevel).With().Timestamp().Logger())
	if recovery {
		opts.ConnectionStateRecovery = &actorio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	}
	g.Server = actorio.NewServer(opts)
	g.handlers()
	g.web = httptest.NewServer(g.Server)
	t.Cleanup(func() {
		g.web.CloseClientConnections()
		g.web.Close()
		g.Server.Close()
		if t.Failed() {
			t.Logf("Go server %s log (end):\n%s", g.web.URL, g.Log.Tail(16<<10))
		}
	})
	return g
}

func errorOf(err error) map[string]any { return map[string]any{"error": err.Error()} }

func first(answers []actorio.Args) []any {
	out := make([]any, 0, len(answers))
	for _, a := range answers {
		if a.Len() > 0 {
			out = append(out, a.Forward()[0])
		} else {
			out = append(out, nil)
		}
	}
	return out
}

func (g *GoServer) handlers() {
	srv := g.Server
	io := srv.Of("/")
	_ = io.OnServerSideEmit("sse", func(a actorio.Args) {
		_ = io.To().Local().Emit("sse-got", a.Forward()...)
	})
	_ = io.OnServerSideEmit("ping-sse", func(a actorio.Args, ack actorio.Ack) {
		got := any(nil)
		if a.Len() > 0 {
			got = a.Forward()[0]
		}
		_ = ack.Send(map[string]any{"from": "go", "got": got})
	})
	io.OnConnection(func(s *actorio.Socket) {
		ctx := context.Background()
		_ = s.On("join", func(room string, ack actorio.Ack) { s.Join(room); _ = ack.Send(true) })
		_ = s.On("leave", func(room string, ack actorio.Ack) { s.Leave(room); _ = ack.Send(true) })
		_ = s.On("to", func(a actorio.Args, ack actorio.Ack) {
			var room, event string
			_ = a.Decode(0, &room)
			_ = a.Decode(1, &event)
			_ = io.To(room).Emit(event, a.Forward()[2:]...)
			_ = ack.Send(true)
		})
		_ = s.On("toExcept", func(a actorio.Args, ack actorio.Ack) {
			var room, except, event string
			_ = a.Decode(0, &room)
			_ = a.Decode(1, &except)
			_ = a.Decode(2, &event)
			_ = io.To(room).Except(except).Emit(event, a.Forward()[3:]...)
			_ = ack.Send(true)
		})
		_ = s.On("broadcastFrom", func(a actorio.Args, ack actorio.Ack) {
			var room, event string
			_ = a.Decode(0, &room)
			_ = a.Decode(1, &event)
			_ = s.To(room).Emit(event, a.Forward()[2:]...)
			_ = ack.Send(true)
		})
		_ = s.On("fetch", func(room string, ack actorio.Ack) {
			sockets, err := io.In(room).FetchSockets(ctx)
			if err != nil {
				_ = ack.Send(errorOf(err))
				return
			}
			ids := []string{}
			for _, r := range sockets {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			_ = ack.Send(ids)
		})
		_ = s.On("count", func(room string, ack actorio.Ack) {
			sockets, err := io.In(room).FetchSockets(ctx)
			if err != nil {
				_ = ack.Send(-1)
				return
			}
			_ = ack.Send(len(sockets))
		})
		_ = s.On("remoteJoin", func(room, newRoom string, ack actorio.Ack) {
			_ = io.In(room).SocketsJoin(newRoom)
			_ = ack.Send(true)
		})
		_ = s.On("remoteLeave", func(room, oldRoom string, ack actorio.Ack) {
			_ = io.In(room).SocketsLeave(oldRoom)
			_ = ack.Send(true)
		})
		_ = s.On("remoteDisconnect", func(room string, ack actorio.Ack) {
			_ = ack.Send(true)
			_ = io.In(room).DisconnectSockets(true)
		})
		_ = s.On("sse", func(a actorio.Args, ack actorio.Ack) {
			_ = io.ServerSideEmit("sse", a.Forward()...)
			_ = ack.Send(true)
		})
		_ = s.On("sseAck", func(a actorio.Args, ack actorio.Ack) {
			answers, err := io.ServerSideEmitWithAck(ctx, "ping-sse", a.Forward()...)
			if err != nil {
				_ = ack.Send(errorOf(err))
				return
			}
			_ = ack.Send(map[string]any{"responses": first(answers)})
		})
		_ = s.On("bcastAck", func(a actorio.Args, ack actorio.Ack) {
			var room string
			_ = a.Decode(0, &room)
			answers, err := io.To(room).Timeout(requestTimeout).EmitWithAck(ctx, "question", a.Forward()[1:]...)
			if err != nil {
				_ = ack.Send(map[string]any{"error": err.Error(), "responses": first(answers)})
				return
			}
			_ = ack.Send(map[string]any{"responses": first(answers)})
		})
		_ = s.On("serverCount", func(ack actorio.Ack) {
			n, err := srv.ServerCount(ctx)
			if err != nil {
				_ = ack.Send(-1)
				return
			}
			_ = ack.Send(n)
		})
		_ = s.On("emitBinary", func(room string, ack actorio.Ack) {
			_ = io.To(room).Emit("bin", []byte{1, 2, 3}, map[string]any{"nested": []byte{4}})
			_ = ack.Send(true)
		})
	})
}
