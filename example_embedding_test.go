package actorio_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
)

// referee is a user actor: it puts every socket in the match room and, on
// "move" from a socket, tells the rest of the room and acks. Everything
// goes by message; nothing blocks its Receive.
type referee struct{ gateway *actor.PID }

func (r *referee) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actormsg.Connected:
		ctx.Send(r.gateway, &actormsg.Join{Nsp: "/", Socket: m.Socket.ID, Rooms: []string{"match:1"}})
	case *actormsg.Event:
		if m.Name != "move" {
			return
		}
		var move struct{ X, Y int }
		if err := m.Args.Decode(0, &move); err != nil {
			_ = m.Ack.Send(map[string]string{"error": err.Error()})
			return
		}
		ctx.Send(r.gateway, &actormsg.Emit{Nsp: "/", To: []string{"match:1"}, Except: []string{m.Socket.ID},
			Event: "moved", Args: []any{move}})
		_ = m.Ack.Send("ok")
	}
}

// A server embedded in the user's own actor system: a user actor receives
// socket traffic as messages and acts through the server's Gateway.
func ExampleServer_Gateway() {
	system := actor.NewActorSystem()
	srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{ActorSystem: system}})
	defer srv.Close()
	// A bounded subscriber mailbox: a client the referee cannot keep up
	// with is paused, as a slow handler would pause it.
	ref := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &referee{gateway: srv.Gateway()} },
		actor.WithMailbox(actorio.SubscriberMailbox(256))))
	srv.Of("/").Subscribe(ref)

	// (The example waits for both players to be in the room before playing.)
	joined := make(chan struct{}, 2)
	srv.Of("/").OnRoomEvent(func(e actorio.RoomEvent) {
		if e.Kind == "join-room" && e.Room == "match:1" {
			joined <- struct{}{}
		}
	})
	web := httptest.NewServer(srv)
	defer web.Close()
	alice, bob := exampleClient(web.URL, "40"), exampleClient(web.URL, "40")
	<-joined
	<-joined

	alice.send(`421["move",{"X":3,"Y":4}]`)
	fmt.Println("bob got:", bob.read())
	fmt.Println("alice got:", alice.read())
	// Output:
	// bob got: 42["moved",{"X":3,"Y":4}]
	// alice got: 431["ok"]
}
