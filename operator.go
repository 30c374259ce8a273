package actorio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/transport"
)

// BroadcastOperator addresses a broadcast. It is immutable: every method
// returns a new operator, so one can be shared and extended freely.
type BroadcastOperator struct {
	nsp        *Namespace
	rooms      []string
	except     []string
	volatile   bool
	local      bool
	noCompress bool
	timeout    time.Duration
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

// Local keeps the broadcast on this server when clustered. Alone, every
// broadcast is local.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.local = true })
}

// Compress(false) sends the packet uncompressed even where
// permessage-deflate was negotiated. Compression is on by default.
func (b *BroadcastOperator) Compress(on bool) *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.noCompress = !on })
}

// Timeout bounds EmitWithAck: recipients that have not answered by then
// are missing from its result, which then comes with an error.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) { c.timeout = d })
}

// Emit encodes the event once and hands the same bytes to every addressed
// socket. It returns once the namespace actor has the broadcast.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	f, err := b.nsp.server.eventFrames(b.nsp.name, event, args)
	if err != nil {
		return err
	}
	if b.noCompress {
		f = f.Uncompressed()
	}
	b.nsp.tell(&actors.Broadcast{Frames: f, Rooms: b.rooms, Except: b.except, Volatile: b.volatile})
	return nil
}

// ErrAckTimeout is returned by a broadcast EmitWithAck when some recipients
// did not answer in time; the answers that came are returned with it.
var ErrAckTimeout = errors.New("actorio: not every client acknowledged in time")

// EmitWithAck broadcasts the event and collects one answer per recipient,
// until all have answered or ctx (bounded by Timeout, or the server's
// AckTimeout) ends. The packet is encoded once, with one ack id for all.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if b.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.timeout)
		defer cancel()
	} else if _, ok := ctx.Deadline(); !ok && b.nsp.server.opts.AckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.nsp.server.opts.AckTimeout)
		defer cancel()
	}
	if sio.IsReservedEvent(event) {
		return nil, &ReservedEventError{Event: event}
	}
	data, atts, err := b.nsp.server.codec.encode(event, args)
	if err != nil {
		return nil, err
	}
	id := b.nsp.nextAckID()
	f := b.nsp.server.packetFrames(&sio.Packet{Type: sio.Event, Namespace: b.nsp.name, ID: id, HasID: true, Data: data, Attachments: atts})
	col := &ackCollector{changed: make(chan struct{}, 1)}
	count := make(chan int, 1)
	b.nsp.tell(&actors.Broadcast{Frames: f, Rooms: b.rooms, Except: b.except, Volatile: b.volatile, Count: count,
		Before: func(ref any) {
			s := ref.(*Socket)
			s.client.es.Run(func() { s.client.expectAck(s, id, col.add) })
		}})
	want := <-count
	for {
		answers, settled := col.snapshot()
		if settled >= want {
			return answers, nil
		}
		select {
		case <-col.changed:
		case <-ctx.Done():
			return answers, fmt.Errorf("%w (%d of %d): %w", ErrAckTimeout, len(answers), want, ctx.Err())
		}
	}
}

// ackCollector gathers a broadcast's answers; a recipient that disconnects
// settles without an answer.
type ackCollector struct {
	mu      sync.Mutex
	answers []Args
	settled int
	changed chan struct{}
}

func (c *ackCollector) add(r ackResult) {
	c.mu.Lock()
	c.settled++
	if r.err == nil {
		c.answers = append(c.answers, r.args)
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *ackCollector) snapshot() ([]Args, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.answers), c.settled
}

// FetchSockets returns the addressed sockets.
func (b *BroadcastOperator) FetchSockets() []*RemoteSocket {
	reply := make(chan []any, 1)
	b.nsp.tell(&actors.SelectSockets{Rooms: b.rooms, Except: b.except, Reply: reply})
	refs := <-reply
	out := make([]*RemoteSocket, len(refs))
	for i, r := range refs {
		out[i] = newRemoteSocket(r.(*Socket))
	}
	return out
}

// SocketsJoin makes the addressed sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) {
	for _, s := range b.FetchSockets() {
		s.Join(rooms...)
	}
}

// SocketsLeave makes the addressed sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) {
	for _, s := range b.FetchSockets() {
		s.Leave(rooms...)
	}
}

// DisconnectSockets disconnects the addressed sockets (closing their whole
// connection with close).
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	for _, s := range b.FetchSockets() {
		s.Disconnect(close)
	}
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
