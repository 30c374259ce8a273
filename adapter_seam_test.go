package actorio_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/sio"
)

// bus is an in-process cluster adapter: what one server sends, the others
// apply through their Local. It proves the adapter seam carries everything
// a cluster needs, without the actors knowing; the Redis adapter replaces
// the bus with the network.
type bus struct {
	mu      sync.Mutex
	members []*busMember
}

type busMember struct {
	bus   *bus
	local adapter.Local
}

func (b *bus) join() *busMember {
	m := &busMember{bus: b}
	b.mu.Lock()
	b.members = append(b.members, m)
	b.mu.Unlock()
	return m
}

func (m *busMember) others() []adapter.Local {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	var out []adapter.Local
	for _, o := range m.bus.members {
		if o != m {
			out = append(out, o.local)
		}
	}
	return out
}

func (m *busMember) Attach(l adapter.Local) error { m.local = l; return nil }
func (m *busMember) Broadcast(_ context.Context, p *sio.Packet, opts adapter.BroadcastOptions) error {
	for _, o := range m.others() {
		o.Broadcast(p, opts, "")
	}
	return nil
}
func (m *busMember) BroadcastWithAck(_ context.Context, p *sio.Packet, opts adapter.BroadcastOptions, count func(int), ack func(adapter.Args)) error {
	for _, o := range m.others() {
		o.BroadcastWithAck(p, opts, count, ack)
	}
	return nil
}
func (m *busMember) FetchSockets(_ context.Context, nsp string, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	var out []adapter.SocketInfo
	for _, o := range m.others() {
		out = append(out, o.FetchSockets(nsp, opts)...)
	}
	return out, nil
}
func (m *busMember) AddSockets(_ context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	for _, o := range m.others() {
		o.AddSockets(nsp, opts, rooms)
	}
	return nil
}
func (m *busMember) DelSockets(_ context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	for _, o := range m.others() {
		o.DelSockets(nsp, opts, rooms)
	}
	return nil
}
func (m *busMember) DisconnectSockets(_ context.Context, nsp string, opts adapter.BroadcastOptions, close bool) error {
	for _, o := range m.others() {
		o.DisconnectSockets(nsp, opts, close)
	}
	return nil
}
func (m *busMember) AddNamespace(string) error { return nil }
func (m *busMember) ServerSideEmit(_ context.Context, nsp string, args adapter.Args) error {
	for _, o := range m.others() {
		o.ServerSideEmit(nsp, args, nil)
	}
	return nil
}
func (m *busMember) ServerSideEmitWithAck(ctx context.Context, nsp string, args adapter.Args) ([]adapter.Args, error) {
	others := m.others()
	answers := make(chan adapter.Args, len(others))
	for _, o := range others {
		o.ServerSideEmit(nsp, args, func(a adapter.Args) { answers <- a })
	}
	var out []adapter.Args
	for range others {
		select {
		case a := <-answers:
			out = append(out, a)
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}
func (m *busMember) AllRooms(_ context.Context, nsp string) ([]string, error) {
	var out []string
	for _, o := range m.others() {
		out = append(out, o.Rooms(nsp)...)
	}
	return out, nil
}
func (m *busMember) ServerCount(context.Context) (int, error) {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	return len(m.bus.members), nil
}
func (m *busMember) Close() error { return nil }

func TestAdapterSeamAcrossTwoServers(t *testing.T) {
	var b bus
	var servers []*actorio.Server
	var clients []*wireClient
	var ids []string
	sideEmits := make(chan string, 2)
	for range 2 {
		srv := actorio.NewServer(&actorio.Options{Adapter: b.join(), EngineOptions: actorio.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute}})
		srv.OnConnection(func(s *actorio.Socket) { s.Join("lobby") })
		_ = srv.Of("/").OnServerSideEmit("hello", func(who string) { sideEmits <- who })
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			srv.Close()
			hs.Close()
		})
		c := dialSIO(t, hs.URL)
		ids = append(ids, c.connect(""))
		// The CONNECT reply comes before the connection handler runs: wait
		// for its join, or the first broadcast may miss this client.
		eventually(t, "the client in lobby", func() bool { return srv.Of("/").RoomSize("lobby") == 1 })
		servers, clients = append(servers, srv), append(clients, c)
	}
	a, bSrv := servers[0], servers[1]

	if n, _ := a.ServerCount(context.Background()); n != 2 {
		t.Errorf("ServerCount = %d", n)
	}
	// A broadcast on one server reaches the room's members on both.
	_ = a.To("lobby").Emit("news", 1)
	clients[0].expect(`42["news",1]`)
	clients[1].expect(`42["news",1]`)
	// Local stays on its server.
	_ = bSrv.To("lobby").Local().Emit("mine")
	clients[1].expect(`42["mine"]`)

	// fetchSockets sees both; a remote socket can be made to join a room.
	got, err := a.Of("/").FetchSockets(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("FetchSockets = %d, %v", len(got), err)
	}
	var gotIDs []string
	for _, s := range got {
		gotIDs = append(gotIDs, s.ID)
		if s.ID == ids[1] {
			if err := s.Join("vip"); err != nil {
				t.Fatal(err)
			}
		}
	}
	slices.Sort(gotIDs)
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(gotIDs, want) {
		t.Errorf("FetchSockets ids = %v, want %v", gotIDs, want)
	}
	eventually(t, "remote join", func() bool { return bSrv.Of("/").RoomSize("vip") == 1 })

	// Broadcast with acks counts and collects the other server's clients.
	done := make(chan error, 1)
	var answers []actorio.Args
	go func() {
		var err error
		answers, err = a.Of("/").Timeout(5*time.Second).EmitWithAck(context.Background(), "poll")
		done <- err
	}()
	for _, c := range clients {
		c.expect(`420["poll"]`)
		c.send(`430["yes"]`)
	}
	if err := testkit.Recv(t, done, "the cluster-wide EmitWithAck"); err != nil || len(answers) != 2 {
		t.Fatalf("cluster-wide EmitWithAck: %d answers, %v", len(answers), err)
	}

	if err := a.ServerSideEmit("hello", "from-a"); err != nil {
		t.Fatal(err)
	}
	if who := testkit.Recv(t, sideEmits, "the server-side event"); who != "from-a" {
		t.Errorf("server-side event carried %q", who)
	}
	// Server-side events carry binary and collect one answer per server.
	_ = bSrv.Of("/").OnServerSideEmit("bin", func(b []byte, ack actorio.Ack) { _ = ack.Send(map[string]any{"got": b}) })
	answersSSE, err := a.Of("/").ServerSideEmitWithAck(context.Background(), "bin", []byte{7, 8})
	if err != nil || len(answersSSE) != 1 {
		t.Fatalf("ServerSideEmitWithAck = %d answers, %v; want 1", len(answersSSE), err)
	}
	var reply struct{ Got []byte }
	if err := answersSSE[0].Decode(0, &reply); err != nil || string(reply.Got) != "\x07\x08" {
		t.Errorf("ServerSideEmitWithAck answer = %v, %v; want [7 8]", reply.Got, err)
	}
	rooms, err := a.Of("/").AllRooms(context.Background())
	if err != nil || !slices.Contains(rooms, "vip") || !slices.Contains(rooms, ids[0]) {
		t.Errorf("AllRooms = %v, %v; want vip and %s among them", rooms, err, ids[0])
	}

	if err := a.To(ids[1]).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	clients[1].expect("41")
}
