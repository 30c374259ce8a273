package actors

// The room actor: one per namespace and room.
//
// Accepts: roomJoined, roomLeft, roomBroadcast, roomReset (from its namespace actor,
// which forwards every join, leave and single-room broadcast in the order it
// received them, so one sender's join-then-emit stays in order).
// Sends: the broadcast's shared frames to each member's Sink, but those it
// excludes by socket id; no actor message per member.
// Owns: the room's member list.

import (
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

type roomActor struct {
	name string
	// members is walked by every broadcast: a slice, not a map; index
	// finds a member by id for leaves and exclusions.
	members []roomMember
	index   map[string]int
	// gen numbers the broadcasts: a member whose skip equals it is
	// excluded from the current one, without a set built per broadcast.
	gen    uint64
	stats  tally
	logger zerolog.Logger
}

type roomMember struct {
	id   string
	sink *Sink
	skip uint64
}

type (
	roomJoined struct {
		id   string
		sink *Sink
	}
	roomLeft      struct{ id string }
	roomReset     struct{ members map[string]*Sink } // the namespace's index, after a failure
	roomBroadcast struct {
		frames   *transport.Frames
		volatile bool
		except   []string   // socket ids left out (the sender's, for socket.To(room))
		done     chan<- int // receives the member count once all were handed the frames
	}
)

func newRoomActor(name string, logger zerolog.Logger) *roomActor {
	return &roomActor{name: name, index: map[string]int{}, logger: logger}
}

func (r *roomActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *roomBroadcast:
		r.broadcast(m)
	case *roomJoined:
		r.join(m.id, m.sink)
	case *roomLeft:
		r.leave(m.id)
	case *roomReset:
		r.members, r.index = r.members[:0], make(map[string]int, len(m.members))
		for id, sink := range m.members {
			r.join(id, sink)
		}
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		r.logger.Debug().Str("room", r.name).Type("type", m).Msg("unexpected message")
	}
}

func (r *roomActor) join(id string, sink *Sink) {
	if i, ok := r.index[id]; ok {
		r.members[i].sink = sink
		return
	}
	r.index[id] = len(r.members)
	r.members = append(r.members, roomMember{id: id, sink: sink})
}

// leave swaps the last member into the leaver's place.
func (r *roomActor) leave(id string) {
	i, ok := r.index[id]
	if !ok {
		return
	}
	last := len(r.members) - 1
	if i != last {
		r.members[i] = r.members[last]
		r.index[r.members[i].id] = i
	}
	r.members[last] = roomMember{}
	r.members = r.members[:last]
	delete(r.index, id)
}

// broadcast hands the frames to every member not excluded, and counts them
// in one update of the shared stats. Should it fail, the sender waiting for
// the count is still answered (with the members reached) before the
// failure goes on to the supervisor.
func (r *roomActor) broadcast(m *roomBroadcast) {
	reached := 0
	defer func() {
		if p := recover(); p != nil {
			r.stats.flush(m.frames)
			if m.done != nil {
				m.done <- reached
			}
			panic(p)
		}
	}()
	r.gen++
	for _, id := range m.except {
		if i, ok := r.index[id]; ok {
			r.members[i].skip = r.gen
		}
	}
	for i := range r.members {
		mb := &r.members[i]
		if mb.skip == r.gen {
			continue
		}
		mb.sink.deliver(m.frames, m.volatile, &r.stats)
		reached++
	}
	r.stats.flush(m.frames)
	if m.done != nil {
		m.done <- reached
	}
}
