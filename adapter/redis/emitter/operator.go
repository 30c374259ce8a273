package emitter

import (
	"context"
	"slices"

	"github.com/actorio/actorio/internal/value"
)

// BroadcastOperator is a target (rooms, excepted rooms) and flags for an
// emission, as the npm emitters' BroadcastOperator. Each modifier returns a
// new operator and leaves its receiver as it was.
type BroadcastOperator struct {
	e *Emitter
	target
}

// target is what an operation reaches: the sockets in any of rooms (every
// socket when there is none) but those in any of except; and the flags of
// a broadcast.
type target struct {
	rooms  []string   // in the order first given, without repeats (a JS Set)
	except []string   // likewise
	flags  *value.Map // volatile, compress, in the order first set; nil is {}
}

// To adds rooms to the target: sockets in any of them are reached.
func (o *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := *o
	c.rooms = addRooms(o.rooms, rooms)
	return &c
}

// In is To.
func (o *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return o.To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (o *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := *o
	c.except = addRooms(o.except, rooms)
	return &c
}

// Volatile marks the event as one a server may drop for a client that is
// not ready for it.
func (o *BroadcastOperator) Volatile() *BroadcastOperator { return o.withFlag("volatile", true) }

// Compress sets whether the servers compress the event (permessage-deflate).
func (o *BroadcastOperator) Compress(compress bool) *BroadcastOperator {
	return o.withFlag("compress", compress)
}

func (o *BroadcastOperator) withFlag(name string, v bool) *BroadcastOperator {
	c := *o
	c.flags = &value.Map{}
	if o.flags != nil {
		c.flags.Keys = slices.Clone(o.flags.Keys)
		c.flags.Values = slices.Clone(o.flags.Values)
	}
	c.flags.Set(name, v)
	return &c
}

// addRooms returns set with rooms added, as a new slice.
func addRooms(set, rooms []string) []string {
	out := slices.Clone(set)
	for _, r := range rooms {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Emit sends event with args to the target. A reserved event name
// (connect, disconnect, ...) is an error, and so is an argument that
// cannot be encoded; an error from Redis is returned.
func (o *BroadcastOperator) Emit(ctx context.Context, event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	if err := o.checkRooms(); err != nil {
		return err
	}
	data, err := eventData(event, args)
	if err != nil {
		return err
	}
	return o.e.f.broadcast(ctx, o.e.nsp, o.target, data)
}

// SocketsJoin makes the target's sockets join rooms.
func (o *BroadcastOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.changeRooms(ctx, true, rooms)
}

// SocketsLeave makes the target's sockets leave rooms.
func (o *BroadcastOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.changeRooms(ctx, false, rooms)
}

func (o *BroadcastOperator) changeRooms(ctx context.Context, join bool, rooms []string) error {
	if err := o.checkRooms(); err != nil {
		return err
	}
	if err := checkRooms(rooms); err != nil {
		return err
	}
	return o.e.f.changeRooms(ctx, o.e.nsp, o.target, join, rooms)
}

// DisconnectSockets disconnects the target's sockets; with close, their
// underlying connections are closed too.
func (o *BroadcastOperator) DisconnectSockets(ctx context.Context, close bool) error {
	if err := o.checkRooms(); err != nil {
		return err
	}
	return o.e.f.disconnect(ctx, o.e.nsp, o.target, close)
}

func (o *BroadcastOperator) checkRooms() error {
	if err := checkText("namespace", o.e.nsp); err != nil {
		return err
	}
	if err := checkRooms(o.rooms); err != nil {
		return err
	}
	return checkRooms(o.except)
}
