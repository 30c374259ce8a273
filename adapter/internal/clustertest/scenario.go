package clustertest

import (
	"context"
	"strconv"

	"encoding/json"
	"github.com/actorio/actorio"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// Member is one server of the cluster under test.
type Member struct {
	URL  string
	Kind string // "go" or "node": what its ping-sse handler answers from
}

// Cluster is what a scenario needs besides two members.
type Cluster struct {
	// RoomReady, when set, waits until every server with a member in room
	// receives what is published to it (the sharded adapter's dynamic
	// subscriptions follow joins without saying when they are in place).
	RoomReady func(t testing.TB, room string, servers int)
}

func (c Cluster) ready(t testing.TB, room string, servers int) {
	if c.RoomReady != nil {
		c.RoomReady(t, room, servers)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Scenario runs the cluster operations of node_server.js's protocol across
// two servers, from either side: broadcasts to rooms, except, from a socket
// (skipping it), binary, fetchSockets, remote join, leave and disconnect,
// serverSideEmit with and without acks, broadcast with acks, serverCount.
// Sockets: a (on A) in r; b (on B) in r; c (on B) in r and ex; d (on A) in
// nothing.
func Scenario(t *testing.T, cl *Clients, A, B Member, c Cluster) {
	ids := map[string]string{}
	for _, s := range []struct{ name, url string }{{"a", A.URL}, {"b", B.URL}, {"c", B.URL}, {"d", A.URL}} {
		ids[s.name] = cl.Connect(s.name, s.url).ID
	}
	for _, j := range [][2]string{{"a", "r"}, {"b", "r"}, {"c", "r"}, {"c", "ex"}} {
		if got := string(cl.Call(j[0], "join", j[1])); got != "true" {
			t.Fatalf("%s join %s = %s", j[0], j[1], got)
		}
	}
	c.ready(t, "r", 2)
	c.ready(t, "ex", 1)
	sorted := func(names ...string) string {
		var out []string
		for _, n := range names {
			out = append(out, ids[n])
		}
		slices.Sort(out)
		return mustJSON(t, out)
	}

	t.Run("serverCount", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			if got := string(cl.Call(from, "serverCount")); got != "2" {
				t.Errorf("serverCount from %s = %s, want 2", from, got)
			}
		}
	})

	t.Run("to room both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			payload := map[string]any{"from": from, "n": 1.5, "s": "é"}
			cl.Call(from, "to", "r", "m-"+from, payload)
			for _, to := range []string{"a", "b", "c"} {
				e := cl.WaitFor(to, "m-"+from)
				if got, want := e.Arg(0), mustJSON(t, payload); got != want {
					t.Errorf("%s got m-%s %s, want %s", to, from, got, want)
				}
			}
		}
	})

	t.Run("except both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			cl.Call(from, "toExcept", "r", "ex", "x-"+from, from)
			cl.Call(from, "to", "r", "end-x-"+from) // after it, on the same channel
			for _, to := range []string{"a", "b"} {
				cl.WaitFor(to, "x-"+from)
			}
			cl.WaitFor("c", "end-x-"+from)
			cl.NotReceived("c", "x-"+from)
		}
	})

	t.Run("from a socket skips it", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			cl.Call(from, "broadcastFrom", "r", "f-"+from, 7)
			cl.Call(from, "to", "r", "end-f-"+from)
			others := map[string][]string{"a": {"b", "c"}, "b": {"a", "c"}}[from]
			for _, to := range others {
				if got := cl.WaitFor(to, "f-"+from).Arg(0); got != "7" {
					t.Errorf("%s got f-%s %s, want 7", to, from, got)
				}
			}
			cl.WaitFor(from, "end-f-"+from)
			cl.NotReceived(from, "f-"+from)
		}
	})

	t.Run("binary both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			cl.Call(from, "emitBinary", "r")
			for _, to := range []string{"a", "b", "c"} {
				e := cl.WaitFor(to, "bin")
				if got := e.Arg(0) + " " + e.Arg(1); got != `{"$bin":"AQID"} {"nested":{"$bin":"BA=="}}` {
					t.Errorf("%s got bin %s from %s", to, got, from)
				}
			}
		}
	})

	t.Run("fetchSockets both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			if got, want := string(cl.Call(from, "fetch", "r")), sorted("a", "b", "c"); got != want {
				t.Errorf("fetch r from %s = %s, want %s", from, got, want)
			}
			if got, want := string(cl.Call(from, "fetch", ids["c"])), sorted("c"); got != want {
				t.Errorf("fetch c's id from %s = %s, want %s", from, got, want)
			}
			if got := string(cl.Call(from, "count", "ex")); got != "1" {
				t.Errorf("count ex from %s = %s, want 1", from, got)
			}
		}
	})

	t.Run("remote join and leave both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			room := "j-" + from
			cl.Call(from, "remoteJoin", "r", room)
			other := map[string]string{"a": "b", "b": "a"}[from]
			want := sorted("a", "b", "c")
			testkit.Eventually(t, "remote join from "+from, func() bool {
				return string(cl.Call(other, "fetch", room)) == want
			})
			cl.Call(from, "remoteLeave", "ex", room)
			want = sorted("a", "b")
			testkit.Eventually(t, "remote leave from "+from, func() bool {
				return string(cl.Call(other, "fetch", room)) == want
			})
		}
	})

	t.Run("serverSideEmit both ways", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			cl.Call(from, "sse", map[string]any{"sse": from})
			// Only the other server's sockets: Node's serverSideEmit skips
			// the sender.
			others := map[string][]string{"a": {"b", "c"}, "b": {"a", "d"}}[from]
			for _, to := range others {
				if got := cl.WaitFor(to, "sse-got").Arg(0); got != mustJSON(t, map[string]any{"sse": from}) {
					t.Errorf("%s got sse-got %s from %s", to, got, from)
				}
			}
		}
	})

	t.Run("serverSideEmit with acks both ways", func(t *testing.T) {
		for _, m := range []struct {
			from string
			to   Member
		}{{"a", B}, {"b", A}} {
			got := string(cl.Call(m.from, "sseAck", []any{"q", 1}))
			want := mustJSON(t, map[string]any{"responses": []any{map[string]any{"from": m.to.Kind, "got": []any{"q", 1}}}})
			if got != want {
				t.Errorf("sseAck from %s = %s, want %s", m.from, got, want)
			}
		}
	})

	t.Run("broadcast with acks across", func(t *testing.T) {
		for _, from := range []string{"a", "b"} {
			var res struct {
				Error     string            `json:"error"`
				Responses []json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(cl.Call(from, "bcastAck", "r", "Q-"+from), &res); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Responses {
				got = append(got, string(r))
			}
			slices.Sort(got)
			var want []string
			for _, n := range []string{"a", "b", "c"} {
				want = append(want, mustJSON(t, map[string]any{"from": n, "got": "Q-" + from}))
			}
			if res.Error != "" || !slices.Equal(got, want) {
				t.Errorf("bcastAck from %s = %q (error %q), want %q", from, got, res.Error, want)
			}
			for _, n := range []string{"a", "b", "c"} {
				cl.WaitFor(n, "question")
			}
		}
	})

	t.Run("remote disconnect both ways", func(t *testing.T) {
		// a (on A) disconnects c (on B), then b (on B) disconnects d (on A).
		for _, m := range [][2]string{{"a", "c"}, {"b", "d"}} {
			cl.Call(m[0], "remoteDisconnect", ids[m[1]])
			if got := cl.WaitFor(m[1], "disconnect").Arg(0); got != `"io server disconnect"` {
				t.Errorf("%s disconnected with %s, want io server disconnect", m[1], got)
			}
		}
		want := sorted("a", "b")
		testkit.Eventually(t, "the disconnected sockets gone from fetch", func() bool {
			return string(cl.Call("a", "fetch", "r")) == want && !strings.Contains(string(cl.Call("b", "fetch", ids["d"])), ids["d"])
		})
	})
}

// Recovery is connection state recovery across servers: socket p, on A in
// room rr, has received a broadcast (so it holds an offset), loses its
// connection, misses broadcasts, and reconnects to B: it gets its id back,
// recovered, with every packet it missed in order (and none it was not
// addressed), and is in rr on B. sessions counts the sessions kept in the
// cluster: the test waits for p's before it reconnects.
func Recovery(t *testing.T, cl *Clients, A, B Member, c Cluster, sessions func() int) {
	p := cl.Connect("p", A.URL)
	if p.Recovered {
		t.Fatal("a first connection says recovered")
	}
	cl.Connect("q", A.URL)
	cl.Connect("o", B.URL)
	cl.Call("p", "join", "rr")
	cl.Call("o", "join", "ox")
	c.ready(t, "rr", 1)
	cl.Call("q", "to", "rr", "before", 0)
	cl.WaitFor("p", "before")
	cl.Drop("p")
	testkit.Eventually(t, "p's session kept in the cluster", func() bool { return sessions() == 1 })

	// Missed while away: three for rr, from either server, binary in one;
	// and two p must not get.
	cl.Call("q", "to", "rr", "missed", 1)
	cl.Call("o", "to", "rr", "missed", []any{2, Bin([]byte{0xff, 0})})
	cl.Call("q", "toExcept", "ox", "rr", "not-for-p", 0) // not addressed to rr at all
	cl.Call("o", "toExcept", "", "rr", "not-for-p", 1)   // everyone except rr
	cl.Call("q", "to", "rr", "missed", 3)

	back := cl.Reconnect("p", B.URL)
	if back.ID != p.ID || !back.Recovered {
		t.Fatalf("p reconnected to the other server as %+v, want id %s recovered", back, p.ID)
	}
	// Every missed packet, each once, in the cluster's order: their offsets
	// rise. (Which of two servers' broadcasts the cluster took first is its
	// own: a Node server acks the emit before its adapter has published it.)
	want := map[string]bool{"1": true, `[2,{"$bin":"/wA="}]`: true, "3": true}
	var prev string
	for range len(want) {
		e := cl.WaitFor("p", "missed")
		if !want[e.Arg(0)] {
			t.Errorf("missed packet %s, want one of %v, each once", e.Args, want)
		}
		delete(want, e.Arg(0))
		// The offset is the last argument, as the client reads it.
		last := e.Arg(len(e.Args) - 1)
		if !strings.Contains(last, "-") {
			t.Errorf("missed packet without its offset: %s", e.Args)
		} else if prev != "" && !offsetAfter(last, prev) {
			t.Errorf("missed packet %s after offset %s: not in the cluster's order", e.Args, prev)
		}
		prev = last
	}
	// Its room came with it: a broadcast to rr from A reaches it on B (the
	// CONNECT reply goes out with the registration, so no broadcast falls
	// between them), and B lists it in rr.
	cl.Call("q", "to", "rr", "after", 4)
	cl.WaitFor("p", "after")
	cl.NotReceived("p", "not-for-p")
	if got := string(cl.Call("o", "fetch", "rr")); got != mustJSON(t, []string{p.ID}) {
		t.Errorf("fetch rr on B = %s, want [%s]", got, p.ID)
	}
	if sessions() != 0 {
		t.Errorf("sessions after the restore = %d, want 0 (taken once)", sessions())
	}
}

// CheckHandshakes fetches every socket of the cluster from srv and checks
// that each handshake, the other servers' included, reads as one: the
// query, the headers and the time of the client's request.
func CheckHandshakes(t *testing.T, srv *actorio.Server) {
	t.Helper()
	sockets, err := srv.Of("/").FetchSockets(context.Background())
	if err != nil || len(sockets) < 2 {
		t.Fatalf("FetchSockets = %d sockets, %v; want the sockets of both servers", len(sockets), err)
	}
	for _, s := range sockets {
		h := s.Handshake
		if h.Query.Get("EIO") != "4" || h.Headers.Get("Sec-Websocket-Version") != "13" || h.Time.IsZero() || h.Issued == 0 || h.URL == "" {
			t.Errorf("socket %s handshake = %+v, want the query, headers, time and url of its request", s.ID, h)
		}
	}
}

// ServerKilled: a Node member of the cluster dies without a word (SIGKILL);
// Redis drops its subscriptions, so the Go server's count drops to one and
// its requests stop waiting for the dead server's answers.
func ServerKilled(t *testing.T, g *GoServer, kill func()) {
	ctx := context.Background()
	if n, err := g.Server.ServerCount(ctx); err != nil || n != 2 {
		t.Fatalf("ServerCount before = %d, %v, want 2", n, err)
	}
	kill()
	testkit.Eventually(t, "the dead server dropped from the count", func() bool {
		n, err := g.Server.ServerCount(ctx)
		return err == nil && n == 1
	})
	start := time.Now()
	if _, err := g.Server.Of("/").FetchSockets(ctx); err != nil || time.Since(start) > time.Second {
		t.Errorf("FetchSockets after the death = %v after %v, want at once", err, time.Since(start))
	}
	if answers, err := g.Server.Of("/").ServerSideEmitWithAck(ctx, "ping-sse", 1); err != nil || len(answers) != 0 {
		t.Errorf("ServerSideEmitWithAck after the death = %v, %v, want none at once", answers, err)
	}
}

// AllRooms: the Go server g lists the rooms of the whole cluster, those
// of a socket on the other member (url) included, its own id too.
func AllRooms(t *testing.T, cl *Clients, g *GoServer, url string) {
	id := cl.Connect("rooms", url).ID
	cl.Call("rooms", "join", "only-over-there")
	testkit.Eventually(t, "the other server's rooms in AllRooms", func() bool {
		rooms, err := g.Server.Of("/").AllRooms(context.Background())
		return err == nil && slices.Contains(rooms, "only-over-there") && slices.Contains(rooms, id)
	})
	cl.Close("rooms")
}

// offsetAfter reports whether stream entry id a ("ms-seq", as JSON) comes
// after b.
func offsetAfter(a, b string) bool {
	parse := func(id string) (ms, seq int64) {
		id = strings.Trim(id, `"`)
		m, q, _ := strings.Cut(id, "-")
		ms, _ = strconv.ParseInt(m, 10, 64)
		seq, _ = strconv.ParseInt(q, 10, 64)
		return ms, seq
	}
	am, aq := parse(a)
	bm, bq := parse(b)
	return am > bm || (am == bm && aq > bq)
}
