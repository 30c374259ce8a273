package redis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// TestMixedCluster: a Node socket.io 4.8 server with npm
// @socket.io/redis-adapter (testdata/cluster/node_server.js) and an
// Actorio server (msgpack parser: the cluster's format is its own) on one
// redis-server, the official client on both:
//
//	n1 (Node, r1, all)  n2 (Node, r1 vip, all)
//	g1 (Go, r1, all)    g2 (Go, r1 vip, all)    g3 (Go, all)
//
// Every cluster operation goes both ways; then a @socket.io/redis-emitter
// publishes, and the Node server is killed.
func TestMixedCluster(t *testing.T) {
	rs := redistest.Start(t)
	node := nodecluster.Start(t, nodecluster.Options{RedisURL: rs.URL()})
	g := startGo(t, rs, "G", actorio.ParserMsgpack, nil)
	gs := g.srv
	p := startPool(t)
	ids := map[string]string{}
	rooms := map[string][]string{"n1": {"r1"}, "n2": {"r1", "vip"}, "g1": {"r1"}, "g2": {"r1", "vip"}, "g3": nil}
	all := []string{"n1", "n2", "g1", "g2", "g3"}
	for _, name := range all {
		url, parser := node.URL(), "json"
		if name[0] == 'g' {
			url, parser = g.url, "msgpack"
		}
		ids[name] = p.connect(name, url, "/", parser, append(rooms[name], "all")...)
	}
	ctx := context.Background()
	fences := 0
	nodeFence := func() string {
		fences++
		f := fmt.Sprintf("fence%d", fences)
		p.ask("n1", "to", "all", f, nil)
		return f
	}
	goFence := func() string {
		fences++
		f := fmt.Sprintf("fence%d", fences)
		if err := gs.To("all").Emit(f, nil); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// received is pool.received for fences that carry a null payload.
	received := func(got []string, ev, want, fence string) {
		t.Helper()
		for _, name := range all {
			e := p.next(name)
			if slices.Contains(got, name) {
				if e.Event != "message" || e.Ev != ev || string(e.Args) != want {
					t.Errorf("client %s: got %v, want %s%s", name, e, ev, want)
					continue
				}
				e = p.next(name)
			}
			if e.Event != "message" || e.Ev != fence {
				t.Errorf("client %s: got %v, want the fence %q", name, e, fence)
			}
		}
	}

	t.Run("server count", func(t *testing.T) {
		if n, err := gs.ServerCount(ctx); err != nil || n != 2 {
			t.Errorf("Go ServerCount = %d, %v, want 2", n, err)
		}
		if got := p.ask("n1", "serverCount"); got != "[2]" {
			t.Errorf("Node serverCount = %s, want [2]", got)
		}
	})

	t.Run("broadcasts from Node", func(t *testing.T) {
		p.ask("n1", "toExcept", "r1", "vip", "news", map[string]any{"x": 1})
		received([]string{"n1", "g1"}, "news", `[{"x":1}]`, nodeFence())
		p.ask("n1", "emitBinary", "vip") // one room: the room's channel
		received([]string{"n2", "g2"}, "bin", `["bin:010203",{"nested":"bin:04"}]`, nodeFence())
		p.ask("n1", "broadcastFrom", "r1", "relay", 1) // every socket of r1 but n1
		received([]string{"n2", "g1", "g2"}, "relay", `[1]`, nodeFence())
	})

	t.Run("broadcasts from Go", func(t *testing.T) {
		if err := gs.To("r1").Except("vip").Emit("news", map[string]any{"y": []byte{7}}); err != nil {
			t.Fatal(err)
		}
		received([]string{"n1", "g1"}, "news", `[{"y":"bin:07"}]`, goFence())
		if err := gs.To("vip").Emit("solo", "é"); err != nil {
			t.Fatal(err)
		}
		received([]string{"n2", "g2"}, "solo", `["é"]`, goFence())
		if err := gs.Of("/").To().Except(ids["n1"], ids["g3"]).Emit("most"); err != nil {
			t.Fatal(err)
		}
		received([]string{"n2", "g1", "g2"}, "most", `[]`, goFence())
	})

	t.Run("fetchSockets", func(t *testing.T) {
		var got []string
		if err := json.Unmarshal([]byte(p.ask("n1", "fetch", "r1")), &[]any{&got}); err != nil {
			t.Fatal(err)
		}
		if want := sorted([]string{ids["n1"], ids["n2"], ids["g1"], ids["g2"]}); !slices.Equal(got, want) {
			t.Errorf("Node fetch(r1) = %v, want %v", got, want)
		}
		sockets, err := gs.To("vip").FetchSockets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, s := range sockets {
			got = append(got, s.ID)
			if s.ID == ids["n2"] && (!slices.Contains(s.Rooms, "vip") || !slices.Contains(s.Rooms, ids["n2"])) {
				t.Errorf("n2's rooms from Node = %v, want vip and its id", s.Rooms)
			}
		}
		if want := sorted([]string{ids["n2"], ids["g2"]}); !slices.Equal(sorted(got), want) {
			t.Errorf("Go FetchSockets(vip) = %v, want %v", sorted(got), want)
		}
	})

	count := func(room string) string { return p.ask("n1", "count", room) }
	t.Run("remote join and leave", func(t *testing.T) {
		p.ask("n1", "remoteJoin", "vip", "gold")
		eventually(t, "g2 in gold", func() bool { return gs.Of("/").RoomSize("gold") == 1 })
		eventually(t, "gold counted 2 from Node", func() bool { return count("gold") == "[2]" })
		if err := gs.Of("/").In("r1").Except("vip").SocketsJoin("silver"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "silver counted 2 from Node", func() bool { return count("silver") == "[2]" })
		if n := gs.Of("/").RoomSize("silver"); n != 1 {
			t.Errorf("Go silver room has %d sockets, want 1 (g1)", n)
		}

		p.ask("n1", "remoteLeave", "gold", "gold")
		eventually(t, "g2 out of gold", func() bool { return gs.Of("/").RoomSize("gold") == 0 })
		if err := gs.Of("/").In("silver").SocketsLeave("silver"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "silver empty from Node", func() bool { return count("silver") == "[0]" })
	})

	t.Run("serverSideEmit", func(t *testing.T) {
		p.ask("n1", "sse", "hi")
		if got := testkit.Recv(t, g.sse, "sse on Go"); string(got) != `"hi"` {
			t.Errorf("Go got sse %s, want \"hi\"", got)
		}
		for _, name := range []string{"g1", "g2", "g3"} {
			if got := p.expect(name, "sse-got"); got != `["hi"]` {
				t.Errorf("%s got sse-got%s", name, got)
			}
		}
		if err := gs.ServerSideEmit("sse", map[string]any{"b": []byte{1}}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"n1", "n2"} {
			// Binary crosses a JSON request as a Buffer's JSON, which Node
			// hands over as it is, as between two Node servers.
			if got, want := p.expect(name, "sse-got"), `[{"b":{"type":"Buffer","data":[1]}}]`; got != want {
				t.Errorf("%s got sse-got%s, want %s", name, got, want)
			}
		}
	})

	t.Run("serverSideEmit with acks", func(t *testing.T) {
		if got, want := p.ask("n1", "sseAck", map[string]any{"q": 1}), `[{"responses":[{"from":"go","got":{"q":1}}]}]`; got != want {
			t.Errorf("Node sseAck = %s, want %s", got, want)
		}
		answers, err := gs.Of("/").ServerSideEmitWithAck(ctx, "ping-sse", "p")
		if err != nil || len(answers) != 1 {
			t.Fatalf("Go ServerSideEmitWithAck = %d answers, %v", len(answers), err)
		}
		if raw := answers[0].Raw(0); string(raw) != `{"from":"node","got":"p"}` {
			t.Errorf("Node's answer = %s", raw)
		}
	})

	t.Run("broadcast with acks", func(t *testing.T) {
		var got []struct {
			Responses []string `json:"responses"`
			Error     string   `json:"error"`
		}
		if err := json.Unmarshal([]byte(p.ask("n1", "bcastAck", "r1", "q1")), &got); err != nil || len(got) != 1 {
			t.Fatalf("bcastAck answer: %v", err)
		}
		want := []string{"ack:g1", "ack:g2", "ack:n1", "ack:n2"}
		if got[0].Error != "" || !slices.Equal(sorted(got[0].Responses), want) {
			t.Errorf("Node bcastAck = %+v, want %v", got[0], want)
		}
		answers, err := gs.To("r1").Timeout(5*time.Second).EmitWithAck(ctx, "question", "q2")
		if err != nil {
			t.Fatalf("Go EmitWithAck = %v", err)
		}
		var acks []string
		for _, a := range answers {
			var s string
			_ = a.Decode(0, &s)
			acks = append(acks, s)
		}
		if !slices.Equal(sorted(acks), want) {
			t.Errorf("Go EmitWithAck answers = %v, want %v", sorted(acks), want)
		}
		for _, name := range []string{"n1", "n2", "g1", "g2"} {
			if got := p.expect(name, "question"); got != `["q1"]` {
				t.Errorf("%s got question%s, want [\"q1\"]", name, got)
			}
			if got := p.expect(name, "question"); got != `["q2"]` {
				t.Errorf("%s got question%s, want [\"q2\"]", name, got)
			}
		}
	})

	t.Run("emitter", func(t *testing.T) {
		cmd := exec.Command("node", "testdata/emitter.js", rs.URL())
		testkit.DieWithParent(cmd)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("emitter.js: %v\n%s", err, out)
		}
		const sse = `["emitted"]`
		want := map[string]map[string]string{
			"n1": {"from-emitter": `[1,"bin:05",{"n":"bin:06"}]`, "sse-got": sse},
			"n2": {"emitter-vip": `["x"]`, "sse-got": sse},
			"g1": {"from-emitter": `[1,"bin:05",{"n":"bin:06"}]`, "sse-got": sse},
			"g2": {"emitter-vip": `["x"]`, "sse-got": sse},
			"g3": {"sse-got": sse},
		}
		for name, evs := range want {
			evs["emitter-fence"] = `[]`
			// The server-side handlers emit off the adapter's order: read
			// them as a set.
			got := map[string]string{}
			for range evs {
				e := p.next(name)
				got[e.Ev] = string(e.Args)
			}
			for ev, args := range evs {
				if got[ev] != args {
					t.Errorf("%s: emitter's %s = %q, want %s (got %v)", name, ev, got[ev], args, got)
				}
			}
		}
		eventually(t, "the emitter's socketsJoin on Go", func() bool { return gs.Of("/").RoomSize("emitted") == 2 })
		eventually(t, "the emitter's socketsJoin on Node", func() bool { return count("emitted") == "[4]" })
	})

	t.Run("remote disconnect", func(t *testing.T) {
		p.ask("n1", "remoteDisconnect", ids["g3"])
		if e := p.next("g3"); e.Event != "disconnect" || e.Reason != "io server disconnect" {
			t.Errorf("g3: %v, want disconnect io server disconnect", e)
		}
		if err := gs.To(ids["n2"]).DisconnectSockets(false); err != nil {
			t.Fatal(err)
		}
		if e := p.next("n2"); e.Event != "disconnect" || e.Reason != "io server disconnect" {
			t.Errorf("n2: %v, want disconnect io server disconnect", e)
		}
	})

	t.Run("the Node server killed", func(t *testing.T) {
		node.Kill()
		eventually(t, "ServerCount 1", func() bool {
			n, err := gs.ServerCount(ctx)
			return err == nil && n == 1
		})
		// Alone again: requests answer at once, without waiting for it.
		start := time.Now()
		sockets, err := gs.Of("/").FetchSockets(ctx)
		if err != nil || len(sockets) != 2 || time.Since(start) > time.Second {
			t.Errorf("FetchSockets after the kill = %d sockets, %v in %v, want g1 and g2 at once", len(sockets), err, time.Since(start))
		}
		if err := gs.To("all").Emit("still"); err != nil {
			t.Errorf("Emit after the kill = %v", err)
		}
		p.expect("g1", "still")
	})
}
