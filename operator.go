package actorio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
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
	origin     *Socket // the socket a broadcast started from: EmitWithAckFunc's f runs on its lane
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

// Volatile lets the packet be dropped for a client that cannot take it now:
// a polling client with no GET waiting, a WebSocket still writing earlier
// packets (Node's transport.writable false), or past its queue's soft
// limit. Node: volatile.
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
	srv := b.nsp.server
	if srv.opts.ConnectionStateRecovery == nil || b.volatile {
		p, f, err := srv.eventFramed(b.nsp.name, event, args)
		if err != nil {
			return err
		}
		if err := b.deliverFrames(f, ""); err != nil {
			return err
		}
		return b.publish(p)
	}
	p, err := srv.eventPacket(b.nsp.name, event, args)
	if err != nil {
		return err
	}
	// The packet is recorded for reconnecting clients, its offset last, as
	// Node appends it. Other servers get it without: they name it
	// themselves. With a cluster session store the cluster names it (and
	// keeps it), so it is published first, as Node's cluster adapter does.
	if store, ok := srv.opts.Adapter.(adapter.SessionStore); ok && !b.local {
		offset, err := store.BroadcastOffset(context.Background(), p, b.options())
		if err != nil {
			// Debug: during an outage every emit fails; the adapter logs the
			// outage itself and counts these (actorio_adapter_publish_errors_total).
			srv.adapterLog.Debug().Err(err).Msg("broadcast not published: other servers miss it and it cannot be recovered")
			return errors.Join(err, b.deliverLocal(p, ""))
		}
		return b.deliverLocal(srv.withOffset(p, offset), "")
	}
	offset := newOffset()
	if err := b.deliverLocal(srv.withOffset(p, offset), offset); err != nil {
		return err
	}
	return b.publish(p)
}

// publish sends a broadcast to the other servers, unless it is local.
func (b *BroadcastOperator) publish(p *sio.Packet) error {
	if b.local {
		return nil
	}
	return b.nsp.server.opts.Adapter.Broadcast(context.Background(), p, b.options())
}

// deliverLocal hands the packet, framed once, to the local namespace actor
// and returns once every local recipient has it queued: what the caller
// sends next reaches each of them after it, as in Node.
func (b *BroadcastOperator) deliverLocal(p *sio.Packet, offset string) error {
	return b.deliverFrames(b.nsp.server.packetFrames(p), offset)
}

// deliverFrames is deliverLocal for a packet already framed.
func (b *BroadcastOperator) deliverFrames(f *transport.Frames, offset string) error {
	if b.noCompress {
		f = f.Uncompressed()
	}
	done := make(chan int, 1)
	n, err := ask(b.nsp, &actors.Broadcast{Frames: f, Rooms: b.rooms, Except: b.except, Volatile: b.volatile, Count: done, Offset: offset}, done)
	st := &b.nsp.server.stats
	st.broadcasts.Add(1)
	st.deliveries.Add(uint64(n))
	return err
}

func (b *BroadcastOperator) options() adapter.BroadcastOptions {
	return adapter.BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: adapter.Flags{
		Volatile: b.volatile, Compress: !b.noCompress, Local: b.local, TimeoutMillis: b.timeout.Milliseconds()}}
}

// deliverLocalWithAck delivers p (its ack id set) to the local sockets,
// each expecting its ack before the packet reaches its queue, and returns
// how many got it.
func (b *BroadcastOperator) deliverLocalWithAck(p *sio.Packet, answer func(ackResult)) (int, error) {
	count := make(chan int, 1)
	return ask(b.nsp, &actors.Broadcast{Frames: b.nsp.server.packetFrames(p), Rooms: b.rooms, Except: b.except, Volatile: b.volatile, Count: count,
		Before: func(ref any) {
			s := ref.(*Socket)
			// Once per recipient: by its answer (or failAcks), or by its
			// session's end should that come before the session runs this.
			var settled atomic.Bool
			settle := func(r ackResult) {
				if settled.CompareAndSwap(false, true) {
					answer(r)
				}
			}
			stop := context.AfterFunc(s.client.endedContext(), func() { settle(ackResult{err: ErrDisconnected}) })
			s.client.es.Run(func() {
				s.client.expectAck(s, p.ID, func(r ackResult) {
					stop()
					settle(r)
				})
			})
		}}, count)
}

// ErrAckTimeout is returned by a broadcast EmitWithAck when some recipients
// did not answer in time; the answers that came are returned with it. A
// socket's EmitWithAck and EmitWithAckFunc return it when their Timeout (or
// the server's AckTimeout) passes; it then also matches
// context.DeadlineExceeded.
var ErrAckTimeout = errors.New("actorio: not every client acknowledged in time")

// EmitWithAck broadcasts the event and collects one answer per recipient,
// until all have answered or ctx (bounded by Timeout, or the server's
// AckTimeout) ends. The packet is encoded once, with one ack id for all.
// Node: await io.timeout(t).emitWithAck(ev, ...args).
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	ctx, cancel := b.ackContext(ctx)
	defer cancel()
	w, err := b.sendWithAck(event, args)
	if err != nil {
		return nil, err
	}
	w.publish(ctx)
	return w.wait(ctx)
}

// EmitWithAckFunc broadcasts the event and returns at once; f gets one
// answer per recipient once all have answered, or those that came with
// ErrAckTimeout once Timeout (or the server's AckTimeout) has passed.
// Without a timeout it waits until every recipient has answered or
// disconnected. f runs exactly once, on the lane of the socket the
// broadcast started from (Socket.Broadcast, To, In, Except, Local), in
// order with its event handlers, or else on a goroutine of its own. When
// EmitWithAckFunc returns an error nothing was sent and f is never called.
// Node: io.timeout(t).emit(ev, ...args, (err, responses) => {}).
func (b *BroadcastOperator) EmitWithAckFunc(event string, args []any, f func([]Args, error)) error {
	ctx, cancel := b.ackContext(context.Background())
	w, err := b.sendWithAck(event, args)
	if err != nil {
		cancel()
		return err
	}
	go func() {
		defer cancel()
		w.publish(ctx)
		answers, err := w.wait(ctx)
		if s := b.origin; s != nil {
			s.lane.run(func() { s.safely("ack callback", func() { f(answers, err) }) })
			return
		}
		defer func() {
			if r := recover(); r != nil {
				b.nsp.server.opts.Logger.Error().Str("nsp", b.nsp.name).Interface("panic", r).Msg("ack callback panicked")
			}
		}()
		f(answers, err)
	}()
	return nil
}

// ackContext bounds ctx by Timeout, or by the server's AckTimeout when ctx
// has no deadline.
func (b *BroadcastOperator) ackContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.timeout > 0 {
		return context.WithTimeout(ctx, b.timeout)
	}
	if _, ok := ctx.Deadline(); !ok && b.nsp.server.opts.AckTimeout > 0 {
		return context.WithTimeout(ctx, b.nsp.server.opts.AckTimeout)
	}
	return ctx, func() {}
}

// ackWait is a broadcast with acks on its way: its answers, and what the
// cluster said when it was published.
type ackWait struct {
	b          *BroadcastOperator
	p          *sio.Packet
	col        *ackCollector
	clusterErr error // the answers that came are still returned with it
}

// sendWithAck encodes the event once, with one ack id for all, and
// delivers it here; publish sends it to the other servers.
func (b *BroadcastOperator) sendWithAck(event string, args []any) (*ackWait, error) {
	if sio.IsReservedEvent(event) {
		return nil, &ReservedEventError{Event: event}
	}
	data, atts, err := b.nsp.server.codec.encode(event, args)
	if err != nil {
		return nil, err
	}
	id := b.nsp.nextAckID()
	p := &sio.Packet{Type: sio.Event, Namespace: b.nsp.name, ID: id, HasID: true, Data: data, Attachments: atts}
	w := &ackWait{b: b, col: &ackCollector{changed: make(chan struct{}, 1)}}
	n, err := b.deliverLocalWithAck(p, w.col.add)
	if err != nil {
		return nil, err
	}
	w.col.expect(n)
	w.p = p
	return w, nil
}

// publish sends the broadcast to the other servers, unless it is Local; it
// may wait for them to say how many clients got it.
func (w *ackWait) publish(ctx context.Context) {
	b := w.b
	if b.local {
		return
	}
	w.clusterErr = b.nsp.server.opts.Adapter.BroadcastWithAck(ctx, w.p, b.options(), w.col.expect, func(a adapter.Args) {
		w.col.add(ackResult{args: Args{raw: a.Raw, atts: a.Attachments, codec: b.nsp.server.codec}})
	})
}

// wait returns the answers once every recipient has settled, or those that
// came when ctx ends.
func (w *ackWait) wait(ctx context.Context) ([]Args, error) {
	for {
		answers, settled, want := w.col.snapshot()
		if settled >= want {
			return answers, w.clusterErr
		}
		select {
		case <-w.col.changed:
		case <-ctx.Done():
			w.b.nsp.server.stats.ackTimeouts.Add(1)
			return answers, errors.Join(fmt.Errorf("%w (%d of %d): %w", ErrAckTimeout, len(answers), want, ctx.Err()), w.clusterErr)
		}
	}
}

// ackCollector gathers a broadcast's answers; a recipient that disconnects
// settles without an answer.
type ackCollector struct {
	mu      sync.Mutex
	answers []Args
	settled int
	want    int // recipients, local and on other servers
	changed chan struct{}
}

// expect adds recipients to wait for (the local count, then each other
// server's).
func (c *ackCollector) expect(n int) {
	c.mu.Lock()
	c.want += n
	c.mu.Unlock()
	c.notify()
}

func (c *ackCollector) notify() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *ackCollector) add(r ackResult) {
	c.mu.Lock()
	c.settled++
	if r.err == nil {
		c.answers = append(c.answers, r.args)
	}
	c.mu.Unlock()
	c.notify()
}

func (c *ackCollector) snapshot() ([]Args, int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.answers), c.settled, c.want
}

// FetchSockets returns the addressed sockets, this server's and (unless
// Local) the other servers'.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	out := make([]*RemoteSocket, 0)
	for _, s := range b.localSockets() {
		out = append(out, newRemoteSocket(s))
	}
	if b.local {
		return out, nil
	}
	remote, err := b.nsp.server.opts.Adapter.FetchSockets(ctx, b.nsp.name, b.options())
	for _, info := range remote {
		out = append(out, remoteSocketFromInfo(b.nsp, info))
	}
	return out, err
}

func (b *BroadcastOperator) localSockets() []*Socket {
	reply := make(chan []any, 1)
	refs, _ := ask(b.nsp, &actors.SelectSockets{Rooms: b.rooms, Except: b.except, Reply: reply}, reply)
	out := make([]*Socket, len(refs))
	for i, r := range refs {
		out[i] = r.(*Socket)
	}
	return out
}

// SocketsJoin makes the addressed sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) error {
	for _, s := range b.localSockets() {
		s.Join(rooms...)
	}
	if b.local {
		return nil
	}
	return b.nsp.server.opts.Adapter.AddSockets(context.Background(), b.nsp.name, b.options(), rooms)
}

// SocketsLeave makes the addressed sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) error {
	for _, s := range b.localSockets() {
		s.Leave(rooms...)
	}
	if b.local {
		return nil
	}
	return b.nsp.server.opts.Adapter.DelSockets(context.Background(), b.nsp.name, b.options(), rooms)
}

// DisconnectSockets disconnects the addressed sockets (closing their whole
// connection with close).
func (b *BroadcastOperator) DisconnectSockets(close bool) error {
	for _, s := range b.localSockets() {
		s.Disconnect(close)
	}
	if b.local {
		return nil
	}
	return b.nsp.server.opts.Adapter.DisconnectSockets(context.Background(), b.nsp.name, b.options(), close)
}

// eventPacket encodes an EVENT's payload once.
func (s *Server) eventPacket(nsp, event string, args []any) (*sio.Packet, error) {
	if sio.IsReservedEvent(event) {
		return nil, &ReservedEventError{Event: event}
	}
	data, atts, err := s.codec.encode(event, args)
	if err != nil {
		return nil, err
	}
	return &sio.Packet{Type: sio.Event, Namespace: nsp, Data: data, Attachments: atts}, nil
}

// eventFramed is eventPacket and its frames in one. With the JSON parser
// the arguments are encoded straight into the frame's buffer (jsonFramed),
// and the packet's Data is that frame's payload; with another parser the
// packet is encoded, then framed.
func (s *Server) eventFramed(nsp, event string, args []any) (*sio.Packet, *transport.Frames, error) {
	jc, ok := s.codec.(jsonCodec)
	if !ok {
		p, err := s.eventPacket(nsp, event, args)
		if err != nil {
			return nil, nil, err
		}
		return p, s.packetFrames(p), nil
	}
	if sio.IsReservedEvent(event) {
		return nil, nil, &ReservedEventError{Event: event}
	}
	p, f, err := s.jsonFramed(jc, sio.Packet{Type: sio.Event, Namespace: nsp}, event, args)
	return &p, f, err
}

// jsonFramed encodes p (its header: type, namespace, id) with ["event",
// args...] (no event: an ack's [args...]) as its data straight into the
// buffer of its WebSocket frame, header room reserved: each argument is
// copied once, where it is encoded. It returns p with its Data pointing at
// those bytes (shared, never written again). With binary arguments, whose
// count the header must carry, p gets its attachments and is framed again.
// p goes by value: an ack's packet is not kept, and stays off the heap.
func (s *Server) jsonFramed(jc jsonCodec, p sio.Packet, event string, args []any) (sio.Packet, *transport.Frames, error) {
	buf := make([]byte, transport.HeaderRoom, transport.HeaderRoom+jsonPacketLen(&p)+argsLenHint(event, args))
	buf = sio.AppendPacket(append(buf, '0'+byte(eio.Message)), &p)
	start := len(buf)
	buf, atts, err := jc.appendArray(buf, event, args)
	if err != nil {
		return p, nil, err
	}
	p.Data = buf[start:len(buf):len(buf)]
	if len(atts) > 0 {
		p.Attachments = atts
		framed := p // packetFrames keeps its packet: a copy, so p stays off the heap
		return p, s.packetFrames(&framed), nil
	}
	return p, transport.NewFramesInPlace(buf, false), nil
}

// eventFrames encodes an EVENT once: Socket.IO packet, Engine.IO messages,
// and (lazily, in transport) the WebSocket bytes.
func (s *Server) eventFrames(nsp, event string, args []any) (*transport.Frames, error) {
	_, f, err := s.eventFramed(nsp, event, args)
	return f, err
}

// packetFrames encodes p straight into the buffer of its WebSocket frame,
// header room reserved: one copy of the payload, shared by every recipient.
func (s *Server) packetFrames(p *sio.Packet) *transport.Frames {
	switch s.codec.parser() {
	case sio.JSON:
		buf := make([]byte, transport.HeaderRoom, transport.HeaderRoom+jsonPacketLen(p))
		buf = sio.AppendPacket(append(buf, '0'+byte(eio.Message)), p)
		atts := make([]eio.Packet, len(p.Attachments))
		for i, a := range p.Attachments {
			atts[i] = eio.Packet{Type: eio.Message, Data: a, Binary: true}
		}
		return transport.NewFramesInPlace(buf, false, atts...)
	case msgpackparser.Parser:
		buf := make([]byte, transport.HeaderRoom, transport.HeaderRoom+64+len(p.Namespace)+len(p.Data))
		return transport.NewFramesInPlace(msgpackparser.Append(buf, p), true)
	}
	msgs := s.codec.parser().Encode(p)
	packets := make([]eio.Packet, len(msgs))
	for i, m := range msgs {
		packets[i] = eio.Packet{Type: eio.Message, Data: m.Data, Binary: m.Binary}
	}
	return transport.NewFrames(packets...)
}

// argsLenHint guesses the JSON length of ["event", args...], so that the
// frame's buffer is made once: exact enough for raw and forwarded
// arguments (a relay's payload) and plain strings, a small guess for the
// rest, which append grows if it must.
func argsLenHint(event string, args []any) int {
	n := len(event) + 4
	for _, a := range args {
		switch v := a.(type) {
		case json.RawMessage:
			n += len(v) + 1
		case *forwarded:
			n += len(v.raw) + 1
		case string:
			n += len(v) + 3
		default:
			n += 24
		}
	}
	return n
}

// jsonPacketLen bounds sio.AppendPacket's output for p plus the Engine.IO
// type digit, so the frame's buffer is allocated once.
func jsonPacketLen(p *sio.Packet) int {
	const digits = 20 // a uint64 in decimal
	return 1 + 1 + digits + 1 + len(p.Namespace) + 1 + digits + len(p.Data)
}

// ReservedEventError refuses an emit of a lifecycle event's name.
type ReservedEventError struct{ Event string }

func (e *ReservedEventError) Error() string {
	return "actorio: " + e.Event + " is a reserved event name"
}
