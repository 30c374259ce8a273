package actorio

import (
	"slices"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/transport"
)

// BroadcastOperator addresses a broadcast. It is immutable: every method
// returns a new operator, so one can be shared and extended freely.
type BroadcastOperator struct {
	nsp      *Namespace
	rooms    []string
	except   []string
	volatile bool
}

func (b *BroadcastOperator) with(f func(*BroadcastOperator)) *BroadcastOperator {
	c := *b
	c.rooms, c.except = slices.Clone(b.rooms), slices.Clone(b.except)
	f(&c)
	return &c
}

// To adds rooms (or socket ids) to address.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.rooms = append(c.rooms, rooms...) })
}

// In is To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms (or with these ids).
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.except = append(c.except, rooms...) })
}

// Volatile lets the packet be dropped for a client that cannot take it now.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.volatile = true })
}

// Emit encodes the event once and hands the same bytes to every addressed
// socket. It returns once the namespace actor has the broadcast.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	f, err := b.nsp.server.eventFrames(b.nsp.name, event, args)
	if err != nil {
		return err
	}
	b.nsp.tell(&actors.Broadcast{Frames: f, Rooms: b.rooms, Except: b.except, Volatile: b.volatile})
	return nil
}

// eventFrames encodes an EVENT once: Socket.IO packet, Engine.IO messages,
// and (lazily, in transport) the WebSocket bytes.
func (s *Server) eventFrames(nsp, event string, args []any) (*transport.Frames, error) {
	if sio.IsReservedEvent(event) {
		return nil, &ReservedEventError{Event: event}
	}
	data, atts, err := s.codec.encode(event, args)
	if err != nil {
		return nil, err
	}
	return s.packetFrames(&sio.Packet{Type: sio.Event, Namespace: nsp, Data: data, Attachments: atts}), nil
}

func (s *Server) packetFrames(p *sio.Packet) *transport.Frames {
	msgs := s.codec.parser().Encode(p)
	packets := make([]eio.Packet, len(msgs))
	for i, m := range msgs {
		packets[i] = eio.Packet{Type: eio.Message, Data: m.Data, Binary: m.Binary}
	}
	return transport.NewFrames(packets...)
}

// ReservedEventError refuses an emit of a lifecycle event's name.
type ReservedEventError struct{ Event string }

func (e *ReservedEventError) Error() string {
	return "actorio: " + e.Event + " is a reserved event name"
}
