package actors

import (
	"log/slog"
	"testing"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// A room actor that fails loses only the message it failed on (whose
// sender is still answered): the namespace resumes it with its member list
// rebuilt from the namespace's index, so members keep receiving, nothing
// sent meanwhile is lost, and the namespace keeps its registry.
func TestRoomActorFailureRebuildsRoom(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	defer system.Shutdown()
	var stats Stats
	root := system.Root.Spawn(NewRootProps(RootConfig{Logger: zerolog.Nop(), Stats: &stats}))
	spawned := make(chan SpawnResult, 1)
	system.Root.Send(root, &SpawnChild{Props: NewNamespaceProps(NamespaceConfig{Name: "/", Logger: zerolog.Nop(), Stats: &stats}), Kind: KindNamespace, Reply: spawned})
	nsp := (<-spawned).PID

	received := make(chan *deliverRequested, 16)
	healthy := &Sink{tell: func(m any) { received <- m.(*deliverRequested) }}
	system.Root.Send(nsp, &AddSocket{ID: "healthy", Sink: healthy})
	// A member whose Sink is nil makes the room actor fail on delivery.
	system.Root.Send(nsp, &AddSocket{ID: "broken", Sink: nil})
	joined := make(chan int, 1)
	system.Root.Send(nsp, &JoinRooms{ID: "healthy", Rooms: []string{"r"}})
	system.Root.Send(nsp, &JoinRooms{ID: "broken", Rooms: []string{"r"}, Done: joined})
	if n := wait(t, joined); n != 2 {
		t.Fatalf("room size %d, want 2", n)
	}

	frames := func(s string) *transport.Frames {
		return transport.NewFrames(eio.Packet{Type: eio.Message, Data: []byte(s)})
	}
	count := make(chan int, 1)
	system.Root.Send(nsp, &Broadcast{Frames: frames("fails"), Rooms: []string{"r"}, Count: count})
	if n := wait(t, count); n > 1 {
		t.Errorf("failed broadcast reached %d, want at most the healthy member", n)
	}
	// The broken member leaves; the rebuilt room still has the healthy one.
	system.Root.Send(nsp, &LeaveRooms{ID: "broken", Rooms: []string{"r"}})
	for {
		system.Root.Send(nsp, &Broadcast{Frames: frames("after"), Rooms: []string{"r"}, Count: count})
		if wait(t, count) != 1 {
			t.Fatal("rebuilt room does not reach its member")
		}
		select {
		case m := <-received:
			if string(m.frames.Packets[0].Data) != "after" {
				continue // the healthy member got the failed broadcast first
			}
		case <-time.After(5 * time.Second):
			t.Fatal("healthy member got nothing after the rebuild")
		}
		break
	}
	if got := stats.RoomFailures.Load(); got != 1 {
		t.Errorf("room failures %d, want 1", got)
	}
	sockets := make(chan int, 1)
	system.Root.Send(nsp, &CountSockets{Reply: sockets})
	if n := wait(t, sockets); n != 2 {
		t.Errorf("namespace registry has %d sockets, want 2 (it kept its state)", n)
	}
}

func wait(t *testing.T, ch <-chan int) int {
	t.Helper()
	select {
	case n := <-ch:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no answer in 5s")
		return 0
	}
}
