package actorio_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actormsg"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// probe is a user actor that hands every message it receives to the test.
func probe(t *testing.T, srv *actorio.Server) (*actor.PID, chan any) {
	t.Helper()
	got := make(chan any, 64)
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started, *actor.Stopping, *actor.Stopped:
		default:
			got <- ctx.Message()
		}
	})
	pid := srv.ActorSystem().Root.Spawn(props)
	t.Cleanup(func() { srv.ActorSystem().Root.Stop(pid) })
	return pid, got
}

// nextMsg waits for the probe's next message of type T.
func nextMsg[T any](t *testing.T, got chan any) T {
	t.Helper()
	m := testkit.Recv(t, got, "an actor message")
	v, ok := m.(T)
	if !ok {
		var want T
		t.Fatalf("actor got %T %+v, want %T", m, m, want)
	}
	return v
}

// ask asks the gateway as a user actor would (RequestFuture) and
// returns the answer.
func ask[T any](t *testing.T, srv *actorio.Server, msg any) T {
	t.Helper()
	res, err := srv.ActorSystem().Root.RequestFuture(srv.Gateway(), msg, testkit.Timeout).Result()
	if err != nil {
		t.Fatalf("request %T: %v", msg, err)
	}
	v, ok := res.(T)
	if !ok {
		var want T
		t.Fatalf("request %T answered %T %+v, want %T", msg, res, res, want)
	}
	return v
}

func TestSubscriberGetsSocketTraffic(t *testing.T) {
	srv, url := startServer(t, nil)
	pid, got := probe(t, srv)
	srv.Of("/").Subscribe(pid)

	c := dialSIO(t, url)
	c.send(`40{"token":"x"}`)
	var reply struct{ SID string }
	if r := c.next(); !strings.HasPrefix(r, "40") || json.Unmarshal([]byte(r[2:]), &reply) != nil {
		t.Fatalf("CONNECT answered %q", r)
	}
	id := reply.SID
	conn := nextMsg[*actormsg.Connected](t, got)
	if conn.Socket != (actormsg.Socket{Nsp: "/", ID: id}) || string(conn.Handshake.Auth) != `{"token":"x"}` || conn.Recovered {
		t.Errorf("Connected = %+v, want socket %s with its auth", conn, id)
	}

	c.send(`42["move",{"x":1},"b"]`)
	ev := nextMsg[*actormsg.Event](t, got)
	var pos struct{ X int }
	if ev.Name != "move" || ev.Args.Len() != 2 || ev.Args.Decode(0, &pos) != nil || pos.X != 1 || ev.Ack.Requested() {
		t.Errorf("Event = %+v (x %d), want move with 2 arguments and no ack", ev, pos.X)
	}
	if err := ev.Ack.Send("late"); err != actormsg.ErrNoAck {
		t.Errorf("Ack.Send without a request = %v, want ErrNoAck", err)
	}

	// An ack answered later, from another goroutine, as another actor would.
	c.send(`427["ping"]`)
	ev = nextMsg[*actormsg.Event](t, got)
	if !ev.Ack.Requested() {
		t.Fatalf("Event %+v: Requested() = false, want true", ev)
	}
	go func() { _ = ev.Ack.Send("pong", 2) }()
	c.expect(`437["pong",2]`)
	if err := ev.Ack.Send("again"); err != actormsg.ErrAckSent {
		t.Errorf("second Ack.Send = %v, want ErrAckSent", err)
	}

	c.send("41")
	if d := nextMsg[*actormsg.Disconnecting](t, got); d.Reason != "client namespace disconnect" || d.Socket.ID != id {
		t.Errorf("Disconnecting = %+v", d)
	}
	if d := nextMsg[*actormsg.Disconnected](t, got); d.Reason != "client namespace disconnect" {
		t.Errorf("Disconnected = %+v", d)
	}
}

func TestGatewayCommands(t *testing.T) {
	srv, url := startServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute}})
	gw := srv.Gateway()
	if want := srv.Engine().PID().Id + "/gateway"; gw.Id != want {
		t.Errorf("Gateway() = %s, want %s under the server's root", gw.Id, want)
	}
	a, b := dialSIO(t, url), dialSIO(t, url)
	idA, idB := a.connect(""), b.connect("")
	waitSockets(t, srv.Of("/"), 2)

	// Join by Request: answered once done.
	for _, id := range []string{idA, idB} {
		if d := ask[*actormsg.Done](t, srv, &actormsg.Join{Nsp: "/", Socket: id, Rooms: []string{"match"}}); d.Err != nil {
			t.Fatalf("Join %s: %v", id, d.Err)
		}
	}
	if r := ask[*actormsg.RoomSizeReply](t, srv, &actormsg.RoomSize{Nsp: "/", Room: "match"}); r.Size != 2 {
		t.Errorf("RoomSize = %d, want 2", r.Size)
	}
	if r := ask[*actormsg.RoomMembersReply](t, srv, &actormsg.RoomMembers{Nsp: "/", Room: "match"}); len(r.IDs) != 2 {
		t.Errorf("RoomMembers = %v, want both", r.IDs)
	}
	if r := ask[*actormsg.SocketRoomsReply](t, srv, &actormsg.SocketRooms{Nsp: "/", Socket: idA}); !r.Found || len(r.Rooms) != 2 {
		t.Errorf("SocketRooms = %+v, want its own room and match", r)
	}
	if r := ask[*actormsg.SocketRoomsReply](t, srv, &actormsg.SocketRooms{Nsp: "/", Socket: "nobody"}); r.Found {
		t.Errorf("SocketRooms(nobody) = %+v, want not found", r)
	}

	// Emit by Send, in order: to the room but one, then to one socket.
	root := srv.ActorSystem().Root
	root.Send(gw, &actormsg.Emit{Nsp: "/", To: []string{"match"}, Except: []string{idA}, Event: "state", Args: []any{1}})
	root.Send(gw, &actormsg.Emit{Nsp: "/", Socket: idA, Event: "you", Args: []any{"a"}})
	b.expect(`42["state",1]`)
	a.expect(`42["you","a"]`)
	// A value that cannot be sent is an error, not {}.
	if d := ask[*actormsg.Done](t, srv, &actormsg.Emit{Nsp: "/", Event: "bad", Args: []any{func() {}}}); d.Err == nil {
		t.Error("Emit of a func: Done.Err = nil, want an error")
	}

	// EmitWithAck: the answers come back as a message.
	pid, got := probe(t, srv)
	root.Send(gw, &actormsg.EmitWithAck{Emit: actormsg.Emit{Nsp: "/", To: []string{"match"}, Event: "ready?"}, Timeout: testkit.Timeout, ReplyTo: pid})
	for _, c := range []*wireClient{a, b} {
		c.expect(`420["ready?"]`)
		c.send(`430["yes"]`)
	}
	if r := nextMsg[*actormsg.AckResult](t, got); r.Err != nil || len(r.Answers) != 2 {
		t.Errorf("AckResult = %+v, want 2 answers", r)
	}

	// FetchSockets by Request.
	if r := ask[*actormsg.FetchSocketsReply](t, srv, &actormsg.FetchSockets{Nsp: "/", Rooms: []string{"match"}}); r.Err != nil || len(r.Sockets) != 2 {
		t.Errorf("FetchSockets = %+v, want both", r)
	}

	// Watching: a room ends when its last member leaves, a socket when it
	// disconnects.
	root.Send(gw, &actormsg.WatchRoom{Nsp: "/", Room: "match", Watcher: pid})
	root.Send(gw, &actormsg.Watch{Nsp: "/", Socket: idB, Watcher: pid})
	ask[*actormsg.Done](t, srv, &actormsg.Leave{Nsp: "/", Socket: idA, Rooms: []string{"match"}})
	ask[*actormsg.Done](t, srv, &actormsg.Disconnect{Nsp: "/", Socket: idB})
	b.expect("41")
	seen := map[string]bool{}
	for range 2 {
		switch m := testkit.Recv(t, got, "the watch notices").(type) {
		case *actormsg.RoomEnded:
			seen["room "+m.Room] = true
		case *actormsg.Ended:
			seen["socket "+m.Socket.ID] = m.Reason == "server namespace disconnect"
		default:
			t.Fatalf("watcher got %T %+v", m, m)
		}
	}
	if !seen["room match"] || !seen["socket "+idB] {
		t.Errorf("watch notices = %v, want room match ended and %s ended by the server", seen, idB)
	}
	root.Send(gw, &actormsg.Watch{Nsp: "/", Socket: idB, Watcher: pid})
	if e := nextMsg[*actormsg.Ended](t, got); e.Reason != "not connected" {
		t.Errorf("watching a gone socket: %+v, want Ended at once", e)
	}
}

// One socket's traffic, by a Subscribe message.
func TestSubscribeOneSocketByMessage(t *testing.T) {
	srv, url := startServer(t, nil)
	a, b := dialSIO(t, url), dialSIO(t, url)
	idA := a.connect("")
	b.connect("")
	waitSockets(t, srv.Of("/"), 2)
	pid, got := probe(t, srv)
	if d := ask[*actormsg.Done](t, srv, &actormsg.Subscribe{Nsp: "/", Socket: idA, Subscriber: pid}); d.Err != nil {
		t.Fatal(d.Err)
	}
	if d := ask[*actormsg.Done](t, srv, &actormsg.Subscribe{Nsp: "/", Socket: "nobody", Subscriber: pid}); d.Err != actormsg.ErrNoSocket {
		t.Errorf("Subscribe to a missing socket: %v, want ErrNoSocket", d.Err)
	}
	b.send(`42["b-only"]`)
	a.send(`42["a-only"]`)
	if ev := nextMsg[*actormsg.Event](t, got); ev.Name != "a-only" || ev.Socket.ID != idA {
		t.Errorf("Event = %+v, want a's only", ev)
	}
}

// EmitWithAck by ctx.Request answers the requester; Unsubscribe stops the
// messages.
func TestEmitWithAckByRequestAndUnsubscribe(t *testing.T) {
	srv, url := startServer(t, nil)
	srv.OnConnection(func(s *actorio.Socket) {
		// A Go handler on the same socket: its ack tells the client that
		// everything sent before it was dispatched.
		_ = s.On("barrier", func(ack actorio.Ack) { _ = ack.Send() })
	})
	pid, got := probe(t, srv)
	srv.Of("/").Subscribe(pid)
	c := dialSIO(t, url)
	id := c.connect("")
	nextMsg[*actormsg.Connected](t, got)

	res := srv.ActorSystem().Root.RequestFuture(srv.Gateway(), &actormsg.EmitWithAck{Emit: actormsg.Emit{Nsp: "/", Socket: id, Event: "q"}, Timeout: testkit.Timeout}, testkit.Timeout)
	c.expect(`420["q"]`)
	c.send(`430[42]`)
	r, err := res.Result()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if ar, ok := r.(*actormsg.AckResult); !ok || ar.Err != nil || len(ar.Answers) != 1 || ar.Answers[0].Decode(0, &n) != nil || n != 42 {
		t.Fatalf("EmitWithAck answered %+v, want one answer 42", r)
	}

	if d := ask[*actormsg.Done](t, srv, &actormsg.Unsubscribe{Nsp: "/", Subscriber: pid}); d.Err != nil {
		t.Fatal(d.Err)
	}
	c.send(`42["unheard"]`)
	c.send(`421["barrier"]`)
	c.expect(`431[]`)
	srv.Of("/").Subscribe(pid)
	c.send(`42["heard"]`)
	if ev := nextMsg[*actormsg.Event](t, got); ev.Name != "heard" {
		t.Errorf("after Unsubscribe the actor got %q, want only what came after it subscribed again", ev.Name)
	}
}

// A socket's subscribers follow it through connection state recovery: they
// get its Disconnected, then its Connected (Recovered), then its events.
func TestSocketSubscriptionSurvivesRecovery(t *testing.T) {
	srv, base := startServer(t, &actorio.Options{ConnectionStateRecovery: &actorio.RecoveryOptions{}})
	c := dialSIO(t, base)
	c.send("40")
	var reply struct{ SID, PID string }
	if r := c.next(); json.Unmarshal([]byte(r[2:]), &reply) != nil || reply.PID == "" {
		t.Fatalf("CONNECT reply %q has no pid", r)
	}
	waitSockets(t, srv.Of("/"), 1)
	pid, got := probe(t, srv)
	if d := ask[*actormsg.Done](t, srv, &actormsg.Subscribe{Nsp: "/", Socket: reply.SID, Subscriber: pid}); d.Err != nil {
		t.Fatal(d.Err)
	}
	srv.ActorSystem().Root.Send(srv.Gateway(), &actormsg.Emit{Nsp: "/", Socket: reply.SID, Event: "a"})
	_, offset := splitOffset(t, c.next())

	c.c.Close() // the connection is cut
	if d := nextMsg[*actormsg.Disconnecting](t, got); d.Reason != "transport close" {
		t.Fatalf("Disconnecting = %+v", d)
	}
	nextMsg[*actormsg.Disconnected](t, got)

	// The session is kept for recovery just after its subscribers hear of
	// Disconnected: a reconnection in between gets a new socket (no
	// Connected for this subscriber), so reconnect until it is restored.
	var d *wireClient
	deadline := time.Now().Add(testkit.Timeout)
	for {
		d = dialSIO(t, base)
		d.send(`40{"pid":"` + reply.PID + `","offset":"` + offset + `"}`)
		r := d.next()
		if strings.Contains(r, reply.SID) {
			break
		}
		d.c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("recovered CONNECT reply %q, want sid %s", r, reply.SID)
		}
	}
	if conn := nextMsg[*actormsg.Connected](t, got); !conn.Recovered || conn.Socket.ID != reply.SID {
		t.Fatalf("Connected = %+v, want the same socket, recovered", conn)
	}
	d.send(`42["back"]`)
	if ev := nextMsg[*actormsg.Event](t, got); ev.Name != "back" {
		t.Errorf("Event = %+v, want back", ev)
	}
}

// panicky is a value whose encoding panics, as a user's buggy
// MarshalJSON would.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("injected") }

// A command that panics the gateway is logged, and the gateway restarted
// under the same PID: the commands behind it are still carried out.
func TestGatewayRestartsAfterFailure(t *testing.T) {
	var logs syncBuffer
	srv, url := startServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{Logger: zerolog.New(&logs)}})
	c := dialSIO(t, url)
	c.send("40")
	var reply struct{ SID string }
	if r := c.next(); !strings.HasPrefix(r, "40") || json.Unmarshal([]byte(r[2:]), &reply) != nil {
		t.Fatalf("CONNECT answered %q", r)
	}
	id := reply.SID

	gw := srv.Gateway()
	srv.ActorSystem().Root.Send(gw, &actormsg.Emit{Nsp: "/", Socket: id, Event: "bad", Args: []any{panicky{}}})
	srv.ActorSystem().Root.Send(gw, &actormsg.Emit{Nsp: "/", Socket: id, Event: "good", Args: []any{1}})
	c.expect(`42["good",1]`)
	if r := ask[*actormsg.RoomSizeReply](t, srv, &actormsg.RoomSize{Nsp: "/", Room: id}); r.Size != 1 {
		t.Errorf("RoomSize after the restart = %d, want 1", r.Size)
	}
	if srv.Gateway() != gw {
		t.Errorf("Gateway() changed from %v to %v", gw, srv.Gateway())
	}
	testkit.Eventually(t, "the gateway's failure logged", func() bool {
		return strings.Contains(logs.String(), `"kind":"gateway"`) && strings.Contains(logs.String(), "actor failed, restarted")
	})
}

// A subscriber spawned with SubscriberMailbox slows the client it cannot
// keep up with: the sends wait, the client's inbound backlog fills and its
// reading pauses; another client goes on; once the subscriber drains, every
// event reaches it, in order.
func TestBoundedSubscriberPausesItsClient(t *testing.T) {
	opts := &actorio.Options{}
	opts.PingInterval, opts.PingTimeout = time.Minute, time.Minute
	opts.InboundLimits = actorio.InboundLimits{Messages: 4}
	srv, base, reg := startFloodServer(t, opts)
	var handled atomic.Int64 // the flooder's events its handlers have run
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("echo", func(n int, ack actorio.Ack) { _ = ack.Send(n) })
		_ = s.On("move", func(int) { handled.Add(1) })
	})

	release := make(chan struct{})
	got := make(chan int, 64)
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		if ev, ok := ctx.Message().(*actormsg.Event); ok {
			<-release
			var n int
			if err := ev.Args.Decode(0, &n); err != nil {
				t.Error(err)
			}
			got <- n
		}
	}, actor.WithMailbox(actorio.SubscriberMailbox(2)))
	sub := srv.ActorSystem().Root.Spawn(props)
	t.Cleanup(func() { srv.ActorSystem().Root.Stop(sub) })

	flooder := dialSIO(t, base)
	flooder.send("40")
	var reply struct{ SID string }
	if r := flooder.next(); !strings.HasPrefix(r, "40") || json.Unmarshal([]byte(r[2:]), &reply) != nil {
		t.Fatalf("CONNECT answered %q", r)
	}
	sock, ok := srv.Of("/").Socket(reply.SID)
	if !ok {
		t.Fatalf("socket %s not found", reply.SID)
	}
	sock.Subscribe(sub)
	const events = 40
	for i := range events {
		flooder.send(`42["move",` + strconv.Itoa(i) + `]`)
	}
	testkit.Eventually(t, "the flooder's reading paused", func() bool {
		return metric(t, reg, "actorio_inbound_pauses_total") >= 1
	})

	other := dialSIO(t, base)
	other.send("40")
	other.next()
	other.send(`421["echo",7]`)
	other.expect(`431[7]`)
	// The subscriber's mailbox counts two events (the one it holds
	// included), and the send of the next one waits: the rest are unread (with an unbounded mailbox
	// all of them would have been handled by now).
	if n := handled.Load(); n > 8 {
		t.Errorf("%d of %d events handled while the subscriber was stuck, want the few its mailbox holds", n, events)
	}

	close(release)
	for i := range events {
		if n := testkit.Recv(t, got, "the subscriber's next event"); n != i {
			t.Fatalf("event %d reached the subscriber as %d", i, n)
		}
	}
}
