package actors

// The room actor: one per namespace and room.
//
// Accepts: roomJoined, roomLeft, roomBroadcast, roomReset (from its namespace actor,
// which forwards every join, leave and single-room broadcast in the order it
// received them, so one sender's join-then-emit stays in order).
// Sends: the broadcast's shared frames to each member's Sink; no actor
// message per member.
// Owns: the room's member list.

import (
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

type roomActor struct {
	name    string
	members map[string]*Sink
	logger  zerolog.Logger
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
		done     chan<- int // receives the member count once all were handed the frames
	}
)

func (r *roomActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *roomBroadcast:
		r.broadcast(m)
	case *roomJoined:
		r.members[m.id] = m.sink
	case *roomLeft:
		delete(r.members, m.id)
	case *roomReset:
		r.members = m.members
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		r.logger.Debug().Str("room", r.name).Type("type", m).Msg("unexpected message")
	}
}

// broadcast hands the frames to every member. Should it fail, the sender
// waiting for the count is still answered (with the members reached) before
// the failure goes on to the supervisor.
func (r *roomActor) broadcast(m *roomBroadcast) {
	reached := 0
	defer func() {
		if p := recover(); p != nil {
			if m.done != nil {
				m.done <- reached
			}
			panic(p)
		}
	}()
	for _, sink := range r.members {
		sink.Deliver(m.frames, m.volatile)
		reached++
	}
	if m.done != nil {
		m.done <- reached
	}
}
