package actorio_test

import (
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actormsg"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/asynkron/protoactor-go/actor"
)

// sendAll sends each event to pid from one goroutine, as a socket's
// handler goroutine would, and reports when every send has returned.
func sendAll(system *actor.ActorSystem, pid *actor.PID, names ...string) chan struct{} {
	sent := make(chan struct{}, 1)
	go func() {
		for _, name := range names {
			system.Root.Send(pid, &actormsg.Event{Name: name})
		}
		sent <- struct{}{}
	}()
	return sent
}

// An event whose Receive panicked gives its room back: the mailbox does
// not shrink with each failure until every sender waits forever.
func TestSubscriberMailboxSurvivesFailures(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	got := make(chan string, 8)
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if ev, ok := ctx.Message().(*actormsg.Event); ok {
			if ev.Name == "boom" {
				panic("injected")
			}
			got <- ev.Name
		}
	}, actor.WithMailbox(actorio.SubscriberMailbox(1))))
	defer system.Root.Stop(pid)

	sent := sendAll(system, pid, "boom", "boom", "a", "b")
	testkit.Recv(t, sent, "every send returned")
	for _, want := range []string{"a", "b"} {
		if name := testkit.Recv(t, got, "an event"); name != want {
			t.Fatalf("got %q, want %q", name, want)
		}
	}
}

// A sender waiting for room is let go when the subscriber stops: a socket
// never waits on an actor that is gone.
func TestSubscriberMailboxStopReleasesSenders(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	hold, holding := make(chan struct{}), make(chan struct{}, 1)
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actormsg.Event); ok {
			holding <- struct{}{}
			<-hold
		}
	}, actor.WithMailbox(actorio.SubscriberMailbox(1))))
	defer close(hold)

	system.Root.Send(pid, &actormsg.Event{Name: "held"})
	testkit.Recv(t, holding, "the first event received")
	sent := sendAll(system, pid, "waits")
	select {
	case <-sent:
		t.Fatal("a second event was queued past the mailbox's limit of 1")
	default:
	}
	system.Root.Stop(pid)
	testkit.Recv(t, sent, "the waiting send let go by the stop")
}
