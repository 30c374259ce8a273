package transport

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Inbound is one session's inbound credit: how many messages (and bytes)
// the transport has handed to the session that are not yet fully handled.
// Every message the WebSocket reader or a polling POST hands over takes a
// Credit, which travels with the message (to the session, and on to the
// Socket.IO handler lane) and is released once the message is handled.
//
// Past its limits the transport stops reading: the WebSocket reader waits
// before its next read, so TCP pushes back on the client, and a POST's "ok"
// waits, so the client (which sends its next POST only after it) is slowed.
// Reading resumes once the backlog is down to half the limits, so a steady
// flood is read in batches rather than a wake-up per message. A pause in
// which no credit at all comes back for the stall period is reported
// (ErrInboundStalled): the handlers are stuck, perhaps waiting for an
// answer from this very client that sits unread behind the backlog, and
// only the session can end that.
//
// Methods are safe from any goroutine; a nil *Inbound is unbounded.
type Inbound struct {
	limits InboundLimits
	stall  time.Duration

	mu      sync.Mutex
	msgs    int
	bytes   int
	waiting int           // goroutines stopped in Wait
	wake    chan struct{} // closed when the backlog drains or Close; nil while nobody waits
	resumed time.Time     // when the last Wait ended
	freed   time.Time     // when credit was last released during a Wait
	closed  bool
}

// InboundLimits bound a session's inbound backlog. A limit is passed when
// the outstanding messages or bytes exceed it.
type InboundLimits struct {
	// Messages received and not yet handled. Zero means 256.
	Messages int
	// Bytes of the payloads of those messages. Zero means 4 MiB.
	Bytes int
}

// Default inbound limits, used where an InboundLimits field is zero.
const (
	DefaultInboundMessages = 256
	DefaultInboundBytes    = 4 << 20
)

// Errors that end a pause without the backlog draining.
var (
	ErrInboundClosed  = errors.New("transport: session ended while its inbound backlog was paused")
	ErrInboundStalled = errors.New("transport: inbound backlog paused and not draining")
)

// DefaultInboundStall is NewInbound's stall period when given zero:
// Node's default pingTimeout.
const DefaultInboundStall = 20 * time.Second

// NewInbound returns the credit of one session; zero limits take defaults.
// stall is how long a pause may last with no credit released before Wait
// gives up (ErrInboundStalled); zero means DefaultInboundStall.
func NewInbound(l InboundLimits, stall time.Duration) *Inbound {
	if l.Messages <= 0 {
		l.Messages = DefaultInboundMessages
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultInboundBytes
	}
	if stall <= 0 {
		stall = DefaultInboundStall
	}
	return &Inbound{limits: l, stall: stall}
}

// Credit is what one or more inbound messages hold until they are handled:
// whoever has a message owns its Credit and must Release it exactly once,
// or hand it on with the message. The zero Credit holds nothing.
type Credit struct {
	in    *Inbound
	msgs  int
	bytes int
}

// Acquire takes the credit of one message whose payload is n bytes. It
// never blocks: the reader checks Over after handing the message over.
func (in *Inbound) Acquire(n int) Credit {
	if in == nil {
		return Credit{}
	}
	in.mu.Lock()
	in.msgs++
	in.bytes += n
	in.mu.Unlock()
	return Credit{in: in, msgs: 1, bytes: n}
}

// Release gives the credit back.
func (c Credit) Release() {
	if c.in == nil {
		return
	}
	in := c.in
	in.mu.Lock()
	in.msgs -= c.msgs
	in.bytes -= c.bytes
	if in.waiting > 0 {
		in.freed = time.Now()
	}
	if in.wake != nil && in.drainedLocked() {
		close(in.wake)
		in.wake = nil
	}
	in.mu.Unlock()
}

// Join returns one Credit holding both c and o (of the same Inbound).
func (c Credit) Join(o Credit) Credit {
	if c.in == nil {
		return o
	}
	if o.in == nil {
		return c
	}
	return Credit{in: c.in, msgs: c.msgs + o.msgs, bytes: c.bytes + o.bytes}
}

// Extend returns c holding msgs more messages of bytes more bytes of its
// Inbound, taken now (never blocking); the zero Credit stays zero. A
// Socket.IO packet with binary attachments releases the credit of its
// first messages while it waits for the rest (a paused reader would never
// read them: the wait would never end) and takes it again, whole, once
// complete.
func (c Credit) Extend(msgs, bytes int) Credit {
	if c.in == nil || msgs == 0 && bytes == 0 {
		return c
	}
	c.in.mu.Lock()
	c.in.msgs += msgs
	c.in.bytes += bytes
	c.in.mu.Unlock()
	c.msgs += msgs
	c.bytes += bytes
	return c
}

// Over reports whether the backlog is past its limits (and the session has
// not ended): the transport should stop reading.
func (in *Inbound) Over() bool {
	if in == nil {
		return false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return !in.closed && in.overLocked()
}

// Stall is how long a pause may last with no credit released.
func (in *Inbound) Stall() time.Duration {
	if in == nil {
		return DefaultInboundStall
	}
	return in.stall
}

// Backlog returns the messages and bytes outstanding.
func (in *Inbound) Backlog() (msgs, bytes int) {
	if in == nil {
		return 0, 0
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.msgs, in.bytes
}

// Wait returns at once unless the backlog is past its limits; then it
// blocks until the backlog is down to half the limits (nil), the session
// ends (ErrInboundClosed), no credit has come back for the stall period
// (ErrInboundStalled), or ctx ends (its error; a stall is reported first).
func (in *Inbound) Wait(ctx context.Context) error {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return ErrInboundClosed
	}
	if !in.overLocked() {
		in.mu.Unlock()
		return nil
	}
	if in.wake == nil {
		in.wake = make(chan struct{})
	}
	wake := in.wake
	in.waiting++
	start := time.Now()
	in.mu.Unlock()

	timer := time.NewTimer(in.stall)
	defer timer.Stop()
	var err error
wait:
	for {
		select {
		case <-wake:
			break wait
		case <-ctx.Done():
			if err = in.stalled(start); err == nil {
				err = ctx.Err()
			}
			break wait
		case <-timer.C:
			if err = in.stalled(start); err != nil {
				break wait
			}
			timer.Reset(in.stallLeft(start))
		}
	}
	in.mu.Lock()
	in.waiting--
	in.resumed = time.Now()
	if err == nil && in.closed {
		err = ErrInboundClosed
	}
	in.mu.Unlock()
	return err
}

// Reading reports whether the transport reads this session's input now
// (nobody is stopped in Wait) and, if it was stopped before, since when.
// The session's heartbeat counts only time during which the server read:
// a pong stuck behind input the server has not read yet is not late.
func (in *Inbound) Reading() (since time.Time, reading bool) {
	if in == nil {
		return time.Time{}, true
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.resumed, in.waiting == 0
}

// Close ends the credit with its session: waiters return ErrInboundClosed
// and nothing waits again. Credits released later are still counted.
func (in *Inbound) Close() {
	if in == nil {
		return
	}
	in.mu.Lock()
	in.closed = true
	if in.wake != nil {
		close(in.wake)
		in.wake = nil
	}
	in.mu.Unlock()
}

// stalled reports ErrInboundStalled when no credit came back for the stall
// period during a wait that began at start.
func (in *Inbound) stalled(start time.Time) error {
	if in.stallLeft(start) > 0 {
		return nil
	}
	return ErrInboundStalled
}

// stallLeft is how long a wait that began at start may still go on
// without a release before it counts as stalled.
func (in *Inbound) stallLeft(start time.Time) time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	last := start
	if in.freed.After(last) {
		last = in.freed
	}
	return time.Until(last.Add(in.stall))
}

func (in *Inbound) overLocked() bool {
	return in.msgs > in.limits.Messages || in.bytes > in.limits.Bytes
}

// drainedLocked: the backlog is down to half the limits, reading resumes.
func (in *Inbound) drainedLocked() bool {
	return in.msgs <= in.limits.Messages/2 && in.bytes <= in.limits.Bytes/2
}
