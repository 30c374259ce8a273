package redis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// goCluster is two Actorio servers on one redis-server, A with the default
// parser and B with msgpack, and six official clients:
//
//	a1 (A, r1, all)  a2 (A, r1 vip, all)  a3 (A, r2, all)
//	b1 (B, r1, all)  b2 (B, r1 vip, all)  b3 (B, all)
type goCluster struct {
	rs   *redistest.Server
	a, b *goServer
	p    *pool
	ids  map[string]string
}

var clientNames = []string{"a1", "a2", "a3", "b1", "b2", "b3"}

func startGoCluster(t *testing.T) *goCluster {
	t.Helper()
	c := &goCluster{rs: redistest.Start(t), ids: map[string]string{}}
	c.a = startGo(t, c.rs, "A", actorio.ParserDefault, nil)
	c.b = startGo(t, c.rs, "B", actorio.ParserMsgpack, nil)
	c.p = startPool(t)
	rooms := map[string][]string{"a1": {"r1"}, "a2": {"r1", "vip"}, "a3": {"r2"}, "b1": {"r1"}, "b2": {"r1", "vip"}, "b3": nil}
	for _, name := range clientNames {
		srv, parser := c.a, "json"
		if name[0] == 'b' {
			srv, parser = c.b, "msgpack"
		}
		c.ids[name] = c.p.connect(name, srv.url, "/", parser, append(rooms[name], "all")...)
	}
	return c
}

func (c *goCluster) server(name string) *goServer {
	if name == "A" {
		return c.a
	}
	return c.b
}

func TestClusterBroadcast(t *testing.T) {
	c := startGoCluster(t)
	spy := c.rs.Client().PSubscribe(context.Background(), "socket.io#*")
	t.Cleanup(func() { _ = spy.Close() })
	subscribed(t, spy)
	args := []any{1, "é", []byte{1, 2}, map[string]any{"k": []byte{3}}}
	const want = `[1,"é","bin:0102",{"k":"bin:03"}]`
	tests := []struct {
		name    string
		from    string
		op      func(*actorio.Server) *actorio.BroadcastOperator
		got     []string
		channel string // where the broadcast is published
	}{
		{"to a room except another", "A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1").Except("vip") },
			[]string{"a1", "b1"}, "socket.io#/#r1#"},
		{"to one room", "B", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r2") },
			[]string{"a3"}, "socket.io#/#r2#"},
		{"to one room from the other side", "A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("vip") },
			[]string{"a2", "b2"}, "socket.io#/#vip#"},
		{"to everyone", "B", func(s *actorio.Server) *actorio.BroadcastOperator { return s.Of("/").To() },
			clientNames, "socket.io#/#"},
		{"to two rooms except one", "A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1", "r2").Except("vip") },
			[]string{"a1", "a3", "b1"}, "socket.io#/#"},
		{"except a socket of the other server", "B", func(s *actorio.Server) *actorio.BroadcastOperator {
			return s.To("all").Except(c.ids["a2"], c.ids["b3"])
		}, []string{"a1", "a3", "b1", "b2"}, "socket.io#/#all#"},
		{"local only", "A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1").Local() },
			[]string{"a1", "a2"}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := c.server(tt.from).srv
			if err := tt.op(srv).Emit("news", args...); err != nil {
				t.Fatalf("Emit = %v", err)
			}
			fence := fmt.Sprintf("fence%d", i)
			if err := srv.To("all").Emit(fence); err != nil {
				t.Fatal(err)
			}
			c.p.received(clientNames, tt.got, "news", want, fence)
			if tt.channel != "" {
				if msg := receive(t, spy); msg.Channel != tt.channel {
					t.Errorf("published on %s, want %s", msg.Channel, tt.channel)
				}
			}
			if msg := receive(t, spy); msg.Channel != "socket.io#/#all#" {
				t.Errorf("fence published on %s, want socket.io#/#all#", msg.Channel)
			}
		})
	}
}

func TestClusterNamespace(t *testing.T) {
	rs := redistest.Start(t)
	a := startGo(t, rs, "A", actorio.ParserDefault, nil)
	b := startGo(t, rs, "B", actorio.ParserDefault, nil)
	a.srv.Of("/chat")
	b.srv.Of("/chat")
	p := startPool(t)
	p.connect("main", b.url, "/", "json")
	p.connect("chat", b.url, "/chat", "json")
	if err := a.srv.Of("/chat").Emit("hi", "chat"); err != nil {
		t.Fatal(err)
	}
	if err := a.srv.Emit("hi", "main"); err != nil {
		t.Fatal(err)
	}
	if got := p.expect("chat", "hi"); got != `["chat"]` {
		t.Errorf("chat client got hi%s, want [\"chat\"]", got)
	}
	if got := p.expect("main", "hi"); got != `["main"]` {
		t.Errorf("main client got hi%s, want [\"main\"]", got)
	}
}

func TestClusterFetchSockets(t *testing.T) {
	c := startGoCluster(t)
	ctx := context.Background()
	tests := []struct {
		from string
		op   func(*actorio.Server) *actorio.BroadcastOperator
		want []string
	}{
		{"A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1") }, []string{"a1", "a2", "b1", "b2"}},
		{"B", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1").Except("vip") }, []string{"a1", "b1"}},
		{"B", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r2") }, []string{"a3"}},
		{"A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.Of("/").To() }, clientNames},
	}
	for _, tt := range tests {
		sockets, err := tt.op(c.server(tt.from).srv).FetchSockets(ctx)
		if err != nil {
			t.Fatalf("FetchSockets from %s = %v", tt.from, err)
		}
		var got, want []string
		for _, s := range sockets {
			got = append(got, s.ID)
			name := c.name(s.ID)
			if !slices.Contains(s.Rooms, s.ID) || !slices.Contains(s.Rooms, "all") {
				t.Errorf("from %s: socket %s rooms = %v, want its id and all", tt.from, name, s.Rooms)
			}
			if name[0] != tt.from[0]+'a'-'A' { // another server's: its data came as JSON
				wantData := fmt.Sprintf(`{"server":"%c"}`, name[0]-'a'+'A')
				if raw, ok := s.Data.(json.RawMessage); !ok || string(raw) != wantData {
					t.Errorf("from %s: socket %s data = %v, want %s", tt.from, name, s.Data, wantData)
				}
			}
		}
		for _, n := range tt.want {
			want = append(want, c.ids[n])
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("FetchSockets from %s = %v, want %v", tt.from, c.names(got), tt.want)
		}
	}
}

func (c *goCluster) name(id string) string {
	for n, i := range c.ids {
		if i == id {
			return n
		}
	}
	return "?" + id
}

func (c *goCluster) names(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, c.name(id))
	}
	return sorted(out)
}

// TestClusterRemoteRooms: socketsJoin, socketsLeave and disconnectSockets
// reach the other server, and a broadcast followed by a join applies there
// in that order.
func TestClusterRemoteRooms(t *testing.T) {
	c := startGoCluster(t)
	a, b := c.a.srv, c.b.srv

	if err := a.Of("/").In("vip").SocketsJoin("gold"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b2 in gold on B", func() bool { return b.Of("/").RoomSize("gold") == 1 })
	if n := a.Of("/").RoomSize("gold"); n != 1 {
		t.Errorf("A's gold room has %d sockets, want 1 (a2)", n)
	}

	// In order: "early" finds nobody in late, then b1 joins, then "now"
	// reaches it.
	if err := a.To("late").Emit("early"); err != nil {
		t.Fatal(err)
	}
	if err := a.Of("/").In(c.ids["b1"]).SocketsJoin("late"); err != nil {
		t.Fatal(err)
	}
	if err := a.To("late").Emit("now"); err != nil {
		t.Fatal(err)
	}
	if got := c.p.expect("b1", "now"); got != `[]` {
		t.Errorf("b1 got now%s", got)
	}

	// A remote socket from FetchSockets leaves a room.
	sockets, err := a.To("gold").FetchSockets(context.Background())
	if err != nil || len(sockets) != 2 {
		t.Fatalf("FetchSockets(gold) = %d sockets, %v", len(sockets), err)
	}
	for _, s := range sockets {
		if s.ID == c.ids["b2"] {
			if err := s.Leave("gold"); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, "b2 out of gold on B", func() bool { return b.Of("/").RoomSize("gold") == 0 })
	if err := b.Of("/").In("r1").SocketsLeave("r1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "r1 empty on A", func() bool { return a.Of("/").RoomSize("r1") == 0 })

	if err := a.To(c.ids["b3"]).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	if e := c.p.next("b3"); e.Event != "disconnect" || e.Reason != "io server disconnect" {
		t.Errorf("b3: %v, want disconnect io server disconnect", e)
	}
	if err := b.Of("/").In("r2").DisconnectSockets(true); err != nil {
		t.Fatal(err)
	}
	if e := c.p.next("a3"); e.Event != "disconnect" || e.Reason != "io server disconnect" {
		t.Errorf("a3: %v, want disconnect io server disconnect", e)
	}
}

func TestClusterServerSideEmit(t *testing.T) {
	c := startGoCluster(t)
	ctx := context.Background()
	for _, tt := range []struct{ from, to *goServer }{{c.a, c.b}, {c.b, c.a}} {
		if err := tt.from.srv.ServerSideEmit("sse", "from-"+tt.from.name, []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		got := testkit.Recv(t, tt.to.sse, "sse on "+tt.to.name)
		if want := `"from-` + tt.from.name + `"`; string(got) != want {
			t.Errorf("%s got sse %s, want %s", tt.to.name, got, want)
		}
		// The handler forwards the arguments, binary included, to its clients.
		client := "a1"
		if tt.to == c.b {
			client = "b1"
		}
		if got, want := c.p.expect(client, "sse-got"), `["from-`+tt.from.name+`","bin:0102"]`; got != want {
			t.Errorf("%s got sse-got%s, want %s", client, got, want)
		}
		select {
		case raw := <-tt.from.sse:
			t.Errorf("%s got its own sse %s", tt.from.name, raw)
		default:
		}

		answers, err := tt.from.srv.Of("/").ServerSideEmitWithAck(ctx, "ping-sse", []byte{9})
		if err != nil || len(answers) != 1 {
			t.Fatalf("ServerSideEmitWithAck from %s = %d answers, %v", tt.from.name, len(answers), err)
		}
		var answer struct {
			From string `json:"from"`
			Got  []byte `json:"got"`
		}
		if err := answers[0].Decode(0, &answer); err != nil || answer.From != "go" || string(answer.Got) != "\x09" {
			t.Errorf("answer to %s = %+v, %v, want from go with [9]", tt.from.name, answer, err)
		}
	}
}

func TestClusterBroadcastWithAck(t *testing.T) {
	c := startGoCluster(t)
	tests := []struct {
		from string
		op   func(*actorio.Server) *actorio.BroadcastOperator
		want []string
	}{
		{"A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("all") }, clientNames},
		{"B", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("r1").Except("vip") }, []string{"a1", "b1"}},
		{"A", func(s *actorio.Server) *actorio.BroadcastOperator { return s.To("nobody") }, nil},
	}
	for _, tt := range tests {
		answers, err := tt.op(c.server(tt.from).srv).Timeout(5*time.Second).EmitWithAck(context.Background(), "question", "q?")
		if err != nil {
			t.Fatalf("EmitWithAck from %s = %v", tt.from, err)
		}
		var got, want []string
		for _, a := range answers {
			var s string
			if err := a.Decode(0, &s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		for _, n := range tt.want {
			want = append(want, "ack:"+n)
			if args := c.p.expect(n, "question"); args != `["q?"]` {
				t.Errorf("%s got question%s", n, args)
			}
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("EmitWithAck from %s answers = %v, want %v", tt.from, sorted(got), want)
		}
	}
}

func TestClusterAllRoomsAndServerCount(t *testing.T) {
	c := startGoCluster(t)
	ctx := context.Background()
	for _, g := range []*goServer{c.a, c.b} {
		if n, err := g.srv.ServerCount(ctx); err != nil || n != 2 {
			t.Errorf("%s: ServerCount = %d, %v, want 2", g.name, n, err)
		}
		rooms, err := g.srv.Of("/").AllRooms(ctx)
		if err != nil {
			t.Fatalf("%s: AllRooms = %v", g.name, err)
		}
		want := []string{"all", "r1", "r2", "vip"}
		for _, id := range c.ids {
			want = append(want, id)
		}
		if !slices.Equal(sorted(rooms), sorted(want)) {
			t.Errorf("%s: AllRooms = %v, want %v", g.name, sorted(rooms), sorted(want))
		}
	}
}
