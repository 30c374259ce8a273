package actors

import (
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// testNamespace is a namespace actor whose sockets record what their Sinks
// are handed (through the session path: they have no WebSocket).
type testNamespace struct {
	t      *testing.T
	system *actor.ActorSystem
	pid    *actor.PID
	got    map[string]chan string
}

func newTestNamespace(t *testing.T) *testNamespace {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	t.Cleanup(system.Shutdown)
	root := system.Root.Spawn(NewRootProps(RootConfig{Logger: zerolog.Nop()}))
	spawned := make(chan SpawnResult, 1)
	system.Root.Send(root, &SpawnChild{Props: NewNamespaceProps(NamespaceConfig{Name: "/", Logger: zerolog.Nop()}), Kind: KindNamespace, Reply: spawned})
	return &testNamespace{t: t, system: system, pid: (<-spawned).PID, got: map[string]chan string{}}
}

func (n *testNamespace) send(m any) { n.system.Root.Send(n.pid, m) }

func (n *testNamespace) add(ids ...string) {
	for _, id := range ids {
		ch := make(chan string, 1024)
		n.got[id] = ch
		n.send(&AddSocket{ID: id, Ref: id, Sink: &Sink{tell: func(m any) { ch <- string(m.(*deliverRequested).frames.Packets[0].Data) }}})
	}
}

// broadcast sends b with text and returns the count it was answered.
func (n *testNamespace) broadcast(b Broadcast, text string) int {
	n.t.Helper()
	count := make(chan int, 1)
	b.Frames, b.Count = transport.NewFrames(eio.Packet{Type: eio.Message, Data: []byte(text)}), count
	n.send(&b)
	return wait(n.t, count)
}

// drain returns, by socket, what was handed to it so far (sorted ids of
// the sockets that got anything).
func (n *testNamespace) drain() map[string][]string {
	out := map[string][]string{}
	for id, ch := range n.got {
		for done := false; !done; {
			select {
			case s := <-ch:
				out[id] = append(out[id], s)
			default:
				done = true
			}
		}
	}
	return out
}

// Who a broadcast reaches: the room actor's path (one room, exclusions by
// socket id or by room) and the namespace's (several rooms, every socket,
// acks), each recipient once.
func TestBroadcastRecipients(t *testing.T) {
	n := newTestNamespace(t)
	n.add("A", "B", "C", "D")
	joined := make(chan int, 1)
	n.send(&JoinRooms{ID: "A", Rooms: []string{"r"}})
	n.send(&JoinRooms{ID: "B", Rooms: []string{"r", "m"}})
	n.send(&JoinRooms{ID: "C", Rooms: []string{"r", "s"}})
	n.send(&JoinRooms{ID: "D", Rooms: []string{"s"}, Done: joined})
	wait(t, joined)

	var befores []string
	tests := []struct {
		name  string
		in    Broadcast
		want  string // recipients
		after func()
	}{
		{name: "one room", in: Broadcast{Rooms: []string{"r"}}, want: "ABC"},
		{name: "one room but the sender", in: Broadcast{Rooms: []string{"r"}, Except: []string{"A"}}, want: "BC"},
		{name: "one room but two ids", in: Broadcast{Rooms: []string{"r"}, Except: []string{"A", "C"}}, want: "B"},
		{name: "one room but a room", in: Broadcast{Rooms: []string{"r"}, Except: []string{"m"}}, want: "AC"},
		{name: "one room but the sender and a room", in: Broadcast{Rooms: []string{"r"}, Except: []string{"A", "m"}}, want: "C"},
		{name: "one room but an unknown room", in: Broadcast{Rooms: []string{"r"}, Except: []string{"nobody"}}, want: "ABC"},
		{name: "two rooms", in: Broadcast{Rooms: []string{"r", "s"}}, want: "ABCD"},
		{name: "two rooms but the sender", in: Broadcast{Rooms: []string{"r", "s"}, Except: []string{"C"}}, want: "ABD"},
		{name: "two rooms but a room", in: Broadcast{Rooms: []string{"s", "r"}, Except: []string{"m"}}, want: "ACD"},
		{name: "the same room twice", in: Broadcast{Rooms: []string{"r", "r"}}, want: "ABC"},
		{name: "everyone", in: Broadcast{}, want: "ABCD"},
		{name: "everyone but a room", in: Broadcast{Except: []string{"s"}}, want: "AB"},
		{name: "a room of one", in: Broadcast{Rooms: []string{"m"}}, want: "B"},
		{name: "own room but itself", in: Broadcast{Rooms: []string{"A"}, Except: []string{"A"}}, want: ""},
		{name: "one room with acks but the sender", in: Broadcast{Rooms: []string{"r"}, Except: []string{"A"}, Before: func(ref any) { befores = append(befores, ref.(string)) }}, want: "BC"},
	}
	for _, tt := range tests {
		befores = nil
		count := n.broadcast(tt.in, tt.name)
		got := n.drain()
		want := map[string][]string{}
		for _, id := range tt.want {
			want[string(id)] = []string{tt.name}
		}
		if !reflect.DeepEqual(got, want) || count != len(tt.want) {
			t.Errorf("Broadcast(%q) reached %v (count %d), want %v (count %d)", tt.name, got, count, want, len(tt.want))
		}
		if tt.in.Before != nil && len(befores) != len(tt.want) {
			t.Errorf("Broadcast(%q) called Before %d times, want %d", tt.name, len(befores), len(tt.want))
		}
	}

	// SelectSockets walks as the namespace's broadcasts do.
	reply := make(chan []any, 1)
	n.send(&SelectSockets{Rooms: []string{"r", "s"}, Except: []string{"m"}, Reply: reply})
	select {
	case refs := <-reply:
		if len(refs) != 3 {
			t.Errorf("SelectSockets(r, s except m) = %d sockets, want 3", len(refs))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to SelectSockets in 5s")
	}
}

// Broadcasts that leave the sender out while members join and leave: the
// sender never gets one, members that stay get every one once and in
// order, members that come and go get each at most once, in order.
func TestBroadcastDuringJoinsAndLeaves(t *testing.T) {
	n := newTestNamespace(t)
	const stable, flappers, broadcasts = 10, 10, 300
	var ids []string
	for i := range stable + flappers {
		ids = append(ids, "m"+strconv.Itoa(i))
	}
	n.add(append(ids, "sender")...)
	joined := make(chan int, 1)
	n.send(&JoinRooms{ID: "sender", Rooms: []string{"r"}})
	for _, id := range ids[:stable] {
		n.send(&JoinRooms{ID: id, Rooms: []string{"r", "half"}})
	}
	n.send(&JoinRooms{ID: "sender", Rooms: []string{"half"}, Done: joined})
	wait(t, joined)

	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := ids[stable+i%flappers]
			n.send(&JoinRooms{ID: id, Rooms: []string{"r"}})
			n.send(&LeaveRooms{ID: id, Rooms: []string{"r"}})
			if i%flappers == 0 {
				n.send(&JoinRooms{ID: "sender", Rooms: []string{"half"}, Done: joined})
				<-joined // keeps the mailbox from growing without bound
			}
		}
	}()
	total := 0
	for i := range broadcasts {
		b := Broadcast{Rooms: []string{"r"}, Except: []string{"sender"}}
		if i%3 == 0 {
			b.Rooms = []string{"r", "half"} // the namespace's path: de-duplicated
		}
		total += n.broadcast(b, strconv.Itoa(i))
	}
	close(stop)
	<-stopped
	got := n.drain()
	if len(got["sender"]) != 0 {
		t.Errorf("the sender got %d of its broadcasts, want none", len(got["sender"]))
	}
	handed := 0
	for _, id := range ids {
		seq := got[id]
		handed += len(seq)
		nums := make([]int, len(seq))
		for i, s := range seq {
			nums[i], _ = strconv.Atoi(s)
		}
		if !slices.IsSorted(nums) || len(slices.Compact(slices.Clone(nums))) != len(nums) {
			t.Errorf("member %s got %v, want each broadcast at most once, in order", id, nums)
		}
		if slices.Index(ids, id) < stable {
			if len(nums) != broadcasts {
				t.Errorf("stable member %s got %d broadcasts, want %d", id, len(nums), broadcasts)
			}
		}
	}
	if handed != total {
		t.Errorf("members were handed %d packets, the counts say %d", handed, total)
	}
}
