package actorio_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
)

const lobbyE2EScript = "testdata/e2e/lobby_client.js"

// TestBroadcastRoutingE2E checks who receives each broadcast, and in what
// order, with the official client: the sender left out of socket.To(room)
// (the room actor's path), rooms excluded, several rooms de-duplicated, and
// joins and leaves between broadcasts. Every Emit returns once each local
// recipient has the packet queued, so the final "end" unicast reaches each
// client after all of them and the lists are exact.
func TestBroadcastRoutingE2E(t *testing.T) {
	requireSIONode(t)
	for _, c := range []sioCase{{"websocket", "json"}, {"websocket", "msgpack"}, {"polling", "json"}} {
		t.Run(c.transport+"/"+c.parser, func(t *testing.T) { testBroadcastRouting(t, c) })
	}
}

func testBroadcastRouting(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	nsp := srv.Of("/")
	conns := srv.connections("/", nil)
	names := []string{"A", "B", "C", "D"}
	r, cmd := runNode(t, ctx, lobbyE2EScript, "lobby_client.js "+c.transport+" "+c.parser, srv.url, c.transport, c.parser, strings.Join(names, ","))
	node := &sioNode{nodeRun: r, cmd: cmd}
	by := map[string]*actorio.Socket{}
	for range names {
		s := sioRecv(t, ctx, conns, "four connections")
		var auth struct{ Name string }
		if err := json.Unmarshal(s.Handshake().Auth, &auth); err != nil {
			t.Fatalf("Handshake().Auth = %s: %v", s.Handshake().Auth, err)
		}
		by[auth.Name] = s
	}
	node.expect(ctx, "connected")
	A, B, C, D := by["A"], by["B"], by["C"], by["D"]
	// r = {A, B, C}, s = {C, D}, m = {B}
	A.Join("r")
	B.Join("r", "m")
	C.Join("r", "s")
	D.Join("s")

	steps := []struct {
		name   string
		before func()
		op     *actorio.BroadcastOperator
		want   string // the recipients
	}{
		{name: "A.To(r)", op: A.To("r"), want: "BC"},
		{name: "A.Broadcast()", op: A.Broadcast(), want: "BCD"},
		{name: "To(r).Except(m)", op: nsp.To("r").Except("m"), want: "AC"},
		{name: "To(r, s)", op: nsp.To("r", "s"), want: "ABCD"},
		{name: "A.To(r, s)", op: A.To("r", "s"), want: "BCD"},
		{name: "To(r, s).Except(m)", op: nsp.To("r", "s").Except("m"), want: "ACD"},
		{name: "A.To(r).Except(m)", op: A.To("r").Except("m"), want: "C"},
		{name: "To(r).Except(A, B by id)", op: nsp.To("r").Except(A.ID(), B.ID()), want: "C"},
		{name: "A.To(r).Compress(false)", op: A.To("r").Compress(false), want: "BC"},
		{name: "A.To(own room)", op: A.To(A.ID()), want: ""},
		{name: "A.To(r) after D joined", before: func() { D.Join("r") }, op: A.To("r"), want: "BCD"},
		{name: "A.To(r) after B left", before: func() { B.Leave("r") }, op: A.To("r"), want: "CD"},
		// As in Node: the sender is excluded as the members of its own room.
		{name: "A.To(r) after A left its own room", before: func() { A.Leave(A.ID()) }, op: A.To("r"), want: "ACD"},
	}
	want := map[string][]string{}
	for _, n := range names {
		want[n] = []string{}
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		if err := st.op.Emit("msg", st.name); err != nil {
			t.Fatalf("%s.Emit: %v", st.name, err)
		}
		for _, n := range st.want {
			want[string(n)] = append(want[string(n)], st.name)
		}
	}
	for _, s := range by {
		if err := s.Emit("end"); err != nil {
			t.Fatal(err)
		}
	}
	var res struct{ Got map[string][]string }
	node.result(ctx, &res)
	for _, n := range names {
		if got := res.Got[n]; !reflect.DeepEqual(got, want[n]) {
			t.Errorf("client %s got %q, want %q", n, got, want[n])
		}
	}
}

// A broadcast's wire forms, byte for byte: text arguments framed as they
// are encoded (escapes kept, the namespace before them) and, with binary,
// the attachment count in the header and the attachment after.
func TestBroadcastWireForms(t *testing.T) {
	srv, url := startServer(t, nil)
	chat := srv.Of("/chat")
	c := dialSIO(t, url)
	c.send("40/chat,")
	if got := c.next(); !strings.HasPrefix(got, `40/chat,{"sid":"`) {
		t.Fatalf("CONNECT answered %q", got)
	}
	if err := chat.Emit("ev", "é\"x", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`42/chat,["ev","é\"x",1]`)
	if err := chat.Emit("bin", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	c.expect(`451-/chat,["bin",{"_placeholder":true,"num":0}]`)
	if data, op := next(t, c.c); op != ws.OpBinary || data != "\x01\x02\x03" {
		t.Errorf("attachment %q (op %v), want 010203 binary", data, op)
	}
}
