package actorio

// A socket's emits and their modifiers (Node's socket.volatile,
// socket.compress, socket.timeout): the unicast counterpart of
// BroadcastOperator.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/protocol/sio"
)

// emitFlags are one emit's modifiers, as Node's socket.flags.
type emitFlags struct {
	volatile   bool
	noCompress bool
	timeout    time.Duration // bounds the wait for an ack; 0: the server's AckTimeout
}

// SocketEmitter sends to one socket's client with modifiers: Volatile,
// Compress(false), Timeout. It is immutable: each method returns a new
// emitter. Get one from Socket.Volatile, Socket.Compress or Socket.Timeout.
// Node: the socket with its flags set (socket.volatile.compress(false)).
type SocketEmitter struct {
	s     *Socket
	flags emitFlags
}

// Volatile returns an emitter whose packets are dropped when the client's
// transport cannot take them now, as Node's socket.volatile: a polling
// client with no GET waiting, a WebSocket still writing what was sent
// before. Node: socket.volatile.emit.
func (s *Socket) Volatile() *SocketEmitter { return (&SocketEmitter{s: s}).Volatile() }

// Compress(false) returns an emitter whose packets are sent uncompressed
// even where permessage-deflate was negotiated. Node: socket.compress.
func (s *Socket) Compress(on bool) *SocketEmitter { return (&SocketEmitter{s: s}).Compress(on) }

// Timeout returns an emitter whose EmitWithAck and EmitWithAckFunc give up
// after d with ErrAckTimeout (which also matches context.DeadlineExceeded).
// Node: socket.timeout.
func (s *Socket) Timeout(d time.Duration) *SocketEmitter { return (&SocketEmitter{s: s}).Timeout(d) }

// Volatile is Socket.Volatile on top of e's modifiers. Node:
// socket.timeout(t).volatile.
func (e *SocketEmitter) Volatile() *SocketEmitter {
	c := *e
	c.flags.volatile = true
	return &c
}

// Compress is Socket.Compress on top of e's modifiers. Node:
// socket.volatile.compress(false).
func (e *SocketEmitter) Compress(on bool) *SocketEmitter {
	c := *e
	c.flags.noCompress = !on
	return &c
}

// Timeout is Socket.Timeout on top of e's modifiers. Node:
// socket.volatile.timeout(t).
func (e *SocketEmitter) Timeout(d time.Duration) *SocketEmitter {
	c := *e
	c.flags.timeout = d
	return &c
}

// Emit sends an event to the socket's client with e's modifiers.
// Node: socket.volatile.emit(ev, ...args).
func (e *SocketEmitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e.flags)
}

// EmitWithAck is Socket.EmitWithAck with e's modifiers; with Timeout, the
// wait ends after d (or ctx, whichever is first) with ErrAckTimeout.
// Node: await socket.timeout(t).emitWithAck(ev, ...args).
func (e *SocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWithAck(ctx, event, args, e.flags)
}

// EmitWithAckFunc is Socket.EmitWithAckFunc with e's modifiers; with
// Timeout, f gets ErrAckTimeout after d. Node: socket.timeout(t).emit(ev,
// ...args, (err, ...responses) => {}).
func (e *SocketEmitter) EmitWithAckFunc(event string, args []any, f func(Args, error)) error {
	return e.s.emitWithAckFunc(event, args, e.flags, f)
}

// Broadcast starts a broadcast to the whole namespace but the socket, with
// e's modifiers. Node: socket.volatile.broadcast.
func (e *SocketEmitter) Broadcast() *BroadcastOperator { return e.operator(e.s.Broadcast()) }

// To starts a broadcast to rooms, leaving the socket out, with e's
// modifiers. Node: socket.volatile.to(room).
func (e *SocketEmitter) To(rooms ...string) *BroadcastOperator { return e.operator(e.s.To(rooms...)) }

func (e *SocketEmitter) operator(b *BroadcastOperator) *BroadcastOperator {
	return b.with(func(c *BroadcastOperator) {
		c.volatile, c.noCompress, c.timeout = e.flags.volatile, e.flags.noCompress, e.flags.timeout
	})
}

// In is To: a broadcast to rooms that leaves this socket out. Node:
// socket.in(room).
func (s *Socket) In(rooms ...string) *BroadcastOperator { return s.To(rooms...) }

// Except starts a broadcast to the whole namespace but this socket and the
// sockets in rooms. Node: socket.except(room).
func (s *Socket) Except(rooms ...string) *BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Local starts a broadcast to this server's sockets of the namespace but
// this socket. Node: socket.local.
func (s *Socket) Local() *BroadcastOperator { return s.Broadcast().Local() }

// emit sends an event to the socket's client: the one path of every
// unicast emit.
func (s *Socket) emit(event string, args []any, fl emitFlags) error {
	if s.nsp.server.opts.ConnectionStateRecovery != nil {
		// Recorded for a reconnection, as Node does: a broadcast to the
		// socket's own room (a volatile one is not recorded).
		s.notifyOutgoing(event, args)
		// With a cluster session store it goes through the cluster too, so
		// that any server can replay it (Node's socket.emit does the same).
		b := (&BroadcastOperator{nsp: s.nsp, volatile: fl.volatile, noCompress: fl.noCompress}).To(s.id)
		if !s.nsp.server.clusterSessions() {
			b = b.Local()
		}
		return b.Emit(event, args...)
	}
	f, err := s.nsp.server.eventFrames(s.nsp.name, event, args)
	if err != nil {
		return err
	}
	if fl.noCompress {
		f = f.Uncompressed()
	}
	s.notifyOutgoing(event, args)
	s.client.es.Sink().Deliver(f, fl.volatile)
	return nil
}

// errAckTimedOut is what an emit with Timeout (or the server's AckTimeout)
// ends with when the client did not answer in time.
var errAckTimedOut = fmt.Errorf("%w: %w", ErrAckTimeout, context.DeadlineExceeded)

// sendWithAck encodes an event and sends it with an ack id; answer is
// called once, in the session actor, with the client's answer or
// ErrDisconnected. It returns the id.
func (s *Socket) sendWithAck(event string, args []any, fl emitFlags, answer func(ackResult)) (uint64, error) {
	if sio.IsReservedEvent(event) {
		return 0, &ReservedEventError{Event: event}
	}
	data, atts, err := s.nsp.server.codec.encode(event, args)
	if err != nil {
		return 0, err
	}
	s.notifyOutgoing(event, args)
	p := &sio.Packet{Type: sio.Event, Namespace: s.nsp.name, Data: data, Attachments: atts}
	return s.client.sendWithAck(s, p, fl, answer), nil
}

// ackTimeout is how long an emit with fl waits for its ack: its Timeout,
// else the server's AckTimeout; 0 is forever.
func (s *Socket) ackTimeout(fl emitFlags) time.Duration {
	if fl.timeout > 0 {
		return fl.timeout
	}
	return s.nsp.server.opts.AckTimeout
}

func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, fl emitFlags) (Args, error) {
	if d := s.ackTimeout(fl); d > 0 {
		if _, ok := ctx.Deadline(); !ok || fl.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, d, errAckTimedOut)
			defer cancel()
		}
	}
	answer := make(chan ackResult, 1)
	id, err := s.sendWithAck(event, args, fl, func(r ackResult) { answer <- r })
	if err != nil {
		return Args{}, err
	}
	select {
	case r := <-answer:
		return r.args, r.err
	case <-ctx.Done():
		s.client.es.Run(func() { s.client.forgetAck(s, id) }) // a late ack is ignored
		err := ctx.Err()
		if cause := context.Cause(ctx); errors.Is(cause, ErrAckTimeout) {
			err = cause
		}
		s.nsp.server.stats.countAckTimeout(err)
		return Args{}, err
	case <-s.client.es.Done():
		return Args{}, ErrDisconnected
	}
}

// EmitWithAckFunc sends an event and returns at once; f gets the client's
// acknowledgement later, on the socket's handler goroutine, in order with
// its event handlers. f runs exactly once: with the answer, with
// ErrAckTimeout once the server's AckTimeout (or Timeout's d) has passed,
// or with ErrDisconnected if the socket disconnects first; without a
// timeout it waits as long as the socket is connected. When
// EmitWithAckFunc returns an error (a reserved event name, arguments that
// do not encode) nothing was sent and f is never called.
// Node: socket.emit(ev, ...args, (err, ...responses) => {}), with
// socket.timeout for the error argument.
func (s *Socket) EmitWithAckFunc(event string, args []any, f func(Args, error)) error {
	return s.emitWithAckFunc(event, args, emitFlags{}, f)
}

func (s *Socket) emitWithAckFunc(event string, args []any, fl emitFlags, f func(Args, error)) error {
	w := &ackCallback{s: s, f: f}
	id, err := s.sendWithAck(event, args, fl, w.answer)
	if err != nil {
		return err
	}
	// A session that ends as the packet is sent may never run the send
	// (its actor stops first): its end settles f then.
	w.unhook.Store(context.AfterFunc(s.client.endedContext(), func() { w.answer(ackResult{err: ErrDisconnected}) }))
	if d := s.ackTimeout(fl); d > 0 {
		w.timer.Store(time.AfterFunc(d, func() { w.timedOut(id) }))
	}
	if w.done.Load() { // answered before the timer and hook were stored
		w.release()
	}
	return nil
}

// ackCallback settles one EmitWithAckFunc: the first of the answer (or
// disconnect) and the timeout queues f on the socket's lane; the other is
// ignored.
type ackCallback struct {
	s      *Socket
	f      func(Args, error)
	done   atomic.Bool
	timer  atomic.Pointer[time.Timer]
	unhook atomic.Value // func() bool, from context.AfterFunc
}

// release stops the timer and the hook on the session's end.
func (w *ackCallback) release() {
	if t := w.timer.Load(); t != nil {
		t.Stop()
	}
	if stop, ok := w.unhook.Load().(func() bool); ok {
		stop()
	}
}

// answer runs in the session actor (or at its end): it only queues f.
func (w *ackCallback) answer(r ackResult) {
	if !w.done.CompareAndSwap(false, true) {
		return
	}
	w.release()
	w.run(r.args, r.err)
}

func (w *ackCallback) timedOut(id uint64) {
	if !w.done.CompareAndSwap(false, true) {
		return
	}
	w.release()
	c := w.s.client
	c.es.Run(func() { c.forgetAck(w.s, id) }) // a late ack is ignored
	w.s.nsp.server.stats.countAckTimeout(errAckTimedOut)
	w.run(Args{}, errAckTimedOut)
}

func (w *ackCallback) run(a Args, err error) {
	w.s.lane.run(func() { w.s.safely("ack callback", func() { w.f(a, err) }) })
}
