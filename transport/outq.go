package transport

import (
	"sync"
	"sync/atomic"
)

// OutQueue is one connection's bounded queue of outbound frames.
//
// Frames are shared and immutable: a broadcast frames its bytes once and
// pushes the same slice into every member's queue, so the queue keeps a
// reference and never copies, modifies or retains a frame past its write.
// Frames leave in push order, control frames (ping, close) included.
//
// Push may be called from any goroutine and never blocks on I/O. Exactly one
// flusher (a WriterPool goroutine) drains the queue at a time: the queue
// records whether it is scheduled, so a connection is handed to the pool
// once when it goes from idle to non-empty, not once per frame.
//
// An OutQueue is obtained from WriterPool.Attach, as part of an OutConn.
type OutQueue struct {
	mu sync.Mutex
	// frames[head:] are pending; offset bytes of frames[head] are already
	// written. Only the owner (the flusher holding scheduled) moves head,
	// compacts or clears frames; Push only appends. That is what lets the
	// owner write a view of frames[head:] without holding mu.
	frames    [][]byte
	head      int
	offset    int
	bytes     int // pending bytes, excluding the written offset
	state     queueState
	scheduled bool // in the ready list, being flushed or waiting to be writable
	softArmed bool // OnSoft fires on the next crossing
	preface   bool // frames[head] is Preface's, not yet written whole
	doneSent  bool
	limits    QueueLimits

	// CloseNow: aborted once it was called (or the hard limit crossed with
	// abortFrame set); aborting until the owner has dropped the backlog
	// and queued final.
	aborted, aborting bool
	final             []byte
	abortFrame        []byte // see ConnHooks.OverflowFrame

	// owner is told of the queue's transitions; set by the owner (OutConn)
	// before first use. Nil: no one is told.
	owner queueOwner

	pendingBytes  atomic.Int64
	pendingFrames atomic.Int64
	dropped       atomic.Uint64
}

// QueueLimits bounds an OutQueue. A limit is crossed when the pending bytes
// or the pending frames exceed it.
type QueueLimits struct {
	// SoftBytes: past it volatile frames are dropped and ConnHooks.OnSoft
	// fires.
	// Zero means 1 MiB. A soft limit above the hard one is lowered to it.
	SoftBytes int
	// HardBytes: a push that would exceed it closes the queue.
	// Zero means 8 MiB. A single frame larger than this can never be queued.
	HardBytes int
	// SoftFrames is the soft limit in frames. Zero means 4096.
	SoftFrames int
	// HardFrames is the hard limit in frames. Zero means 65536.
	HardFrames int
}

// Default queue limits, used where a QueueLimits field is zero.
const (
	DefaultSoftBytes  = 1 << 20
	DefaultHardBytes  = 8 << 20
	DefaultSoftFrames = 4096
	DefaultHardFrames = 65536
)

// Resolved returns l as a queue applies it: defaults for zero fields, soft
// limits no higher than hard ones. The polling buffer uses the same limits.
func (l QueueLimits) Resolved() QueueLimits { return l.withDefaults() }

// withDefaults returns l with zero (or negative) fields set to their defaults
// and soft limits no higher than hard ones.
func (l QueueLimits) withDefaults() QueueLimits {
	orDefault := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	l.SoftBytes = orDefault(l.SoftBytes, DefaultSoftBytes)
	l.HardBytes = orDefault(l.HardBytes, DefaultHardBytes)
	l.SoftFrames = orDefault(l.SoftFrames, DefaultSoftFrames)
	l.HardFrames = orDefault(l.HardFrames, DefaultHardFrames)
	l.SoftBytes = min(l.SoftBytes, l.HardBytes)
	l.SoftFrames = min(l.SoftFrames, l.HardFrames)
	return l
}

// queueOwner is what an OutQueue tells its owner. Every method runs
// outside the queue's lock; the limit ones on the pushing goroutine (see
// ConnHooks). One interface rather than a func per event, so a queue holds
// one pointer to its owner, not four closures of it.
type queueOwner interface {
	queueSoft()     // a push took the queue past its soft limit
	queueHard()     // a push would take it past its hard limit
	queueReady()    // it went from idle to scheduled: hand it to a flusher
	queueClosed()   // closed by Close or overflow: interrupt a write in progress
	queueAborting() // CloseNow or overflow began: bound the time left to write
	queueDone()     // closed and no flusher holds it any more; called once
}

// PushResult says what Push did with a frame.
type PushResult uint8

const (
	// PushQueued: the frame will be written after those pushed before it.
	PushQueued PushResult = iota
	// PushDropped: the frame was volatile and the connection was not
	// writable (a write pending) or the frame would have taken the queue
	// past its soft limit; it was dropped and counted.
	PushDropped
	// PushClosed: the queue was already closed (or closing); nothing queued.
	PushClosed
	// PushOverflow: the frame would have taken the queue past its hard
	// limit; the queue is now closed and ConnHooks.OnHard has been called.
	PushOverflow
)

// String returns the result's name, for logs.
func (r PushResult) String() string {
	switch r {
	case PushQueued:
		return "queued"
	case PushDropped:
		return "dropped"
	case PushClosed:
		return "closed"
	case PushOverflow:
		return "overflow"
	}
	return "unknown"
}

type queueState uint8

const (
	queueOpen    queueState = iota
	queueClosing            // CloseAfterFlush: no pushes, flush what is pending
	queueClosed             // nothing more will be written
)

// flushStatus tells the flusher what to do after writing.
type flushStatus uint8

const (
	flushMore   flushStatus = iota // frames pending; the flusher still owns the queue
	flushIdle                      // nothing pending; the queue is released
	flushDone                      // the queue closed and is released: call done
	flushClosed                    // the queue is closed; done was already called
)

// Past this many slots, a drained queue drops its array instead of keeping
// it, so one burst does not pin ~24 B per frame on every idle connection.
const keepFrameSlots = 1024

func newOutQueue(limits QueueLimits, owner queueOwner) *OutQueue {
	return &OutQueue{limits: limits.withDefaults(), owner: owner, softArmed: true}
}

// Push queues frame for writing, after every frame pushed before it. The
// queue keeps a reference to frame: the caller must not modify it afterwards
// (frames are meant to be shared, read-only, by many queues). A volatile
// frame is dropped, not queued, unless the connection is writable now
// (nothing pending or being written, as Node's transport.writable), and
// always when it would take the queue past its soft limit. Empty frames are accepted and ignored. OnSoft and OnHard, when they
// fire, run on the calling goroutine before Push returns.
func (q *OutQueue) Push(frame []byte, volatile bool) PushResult {
	r, flush := q.push(frame, volatile)
	if flush && q.owner != nil {
		q.owner.queueReady()
	}
	return r
}

// PushOwned is Push for a caller that flushes itself: when the frame made
// the queue non-empty, owned is true and the caller must hand the queue
// on (OutConn.FlushNow) instead of a writer being woken for it.
func (q *OutQueue) PushOwned(frame []byte, volatile bool) (r PushResult, owned bool) {
	return q.push(frame, volatile)
}

// Preface queues b, raw bytes that must precede every frame (a WebSocket
// handshake's response), to go out with the first frame pushed, in the
// same write. It does not schedule a flush, and CloseNow keeps it. It
// must be called before anything is pushed.
func (q *OutQueue) Preface(b []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueOpen || len(b) == 0 || len(q.frames) > 0 {
		return
	}
	q.frames = append(q.frames, b)
	q.bytes += len(b)
	q.preface = true
	q.pendingBytes.Store(int64(q.bytes))
	q.pendingFrames.Store(1)
}

// push queues frame and reports whether the caller is to flush.
func (q *OutQueue) push(frame []byte, volatile bool) (PushResult, bool) {
	q.mu.Lock()
	if q.state != queueOpen {
		q.mu.Unlock()
		return PushClosed, false
	}
	if len(frame) == 0 {
		q.mu.Unlock()
		return PushQueued, false
	}
	bytes := q.bytes + len(frame)
	frames := len(q.frames) - q.head + 1
	pastSoft := bytes > q.limits.SoftBytes || frames > q.limits.SoftFrames
	// A volatile frame goes only to a connection that is writable now, as
	// Node's transport.writable: nothing pending, no write in progress.
	if volatile && (pastSoft || q.scheduled) {
		q.mu.Unlock()
		q.dropped.Add(1)
		return PushDropped, false
	}
	if bytes > q.limits.HardBytes || frames > q.limits.HardFrames {
		if q.abortFrame != nil {
			a := q.abortLocked(q.abortFrame)
			q.mu.Unlock()
			if q.owner != nil {
				q.owner.queueHard()
			}
			q.afterAbort(a)
			return PushOverflow, false
		}
		done := q.closeLocked()
		q.mu.Unlock()
		if q.owner != nil {
			q.owner.queueHard()
		}
		q.afterClose(done)
		return PushOverflow, false
	}
	q.frames = append(q.frames, frame)
	q.bytes = bytes
	q.pendingBytes.Store(int64(bytes))
	q.pendingFrames.Store(int64(frames))
	crossed := pastSoft && q.softArmed
	if crossed {
		q.softArmed = false
	}
	schedule := !q.scheduled
	q.scheduled = true
	q.mu.Unlock()

	if crossed && q.owner != nil {
		q.owner.queueSoft()
	}
	return PushQueued, schedule
}

// Close closes the queue: pending frames are discarded and further pushes
// return PushClosed. A write already in progress is interrupted. Closing a
// closed queue does nothing.
func (q *OutQueue) Close() {
	q.mu.Lock()
	if q.state == queueClosed {
		q.mu.Unlock()
		return
	}
	done := q.closeLocked()
	q.mu.Unlock()
	q.afterClose(done)
}

// CloseAfterFlush queues final (typically a WebSocket close frame; nil for
// none), stops accepting pushes, and closes the queue once everything pending
// has been written. The final frame bypasses the limits: a connection past
// its soft limit still gets its close frame. It does nothing if the queue is
// already closing or closed.
func (q *OutQueue) CloseAfterFlush(final []byte) {
	q.mu.Lock()
	if q.state != queueOpen {
		q.mu.Unlock()
		return
	}
	if len(final) > 0 {
		q.frames = append(q.frames, final)
		q.bytes += len(final)
		q.pendingBytes.Store(int64(q.bytes))
		q.pendingFrames.Store(int64(len(q.frames) - q.head))
	}
	if q.bytes == 0 {
		done := q.closeLocked()
		q.mu.Unlock()
		q.afterClose(done)
		return
	}
	q.state = queueClosing
	schedule := !q.scheduled
	q.scheduled = true
	q.mu.Unlock()
	if schedule && q.owner != nil {
		q.owner.queueReady()
	}
}

// CloseNow closes the queue without its backlog, for a peer that does not
// read: the pending frames are dropped, except the unwritten rest of one
// already partly written (the peer could not parse the stream otherwise),
// final (nil for none) is written after that, and the queue closes once it
// is. A CloseAfterFlush still flushing is cut short the same way. It does
// nothing if the queue is closed or CloseNow was already called.
func (q *OutQueue) CloseNow(final []byte) {
	q.mu.Lock()
	if q.state == queueClosed || q.aborted {
		q.mu.Unlock()
		return
	}
	a := q.abortLocked(final)
	q.mu.Unlock()
	q.afterAbort(a)
}

// abortStep says what to do, outside the lock, after abortLocked.
type abortStep struct{ closed, done, ready bool }

// abortLocked starts a CloseNow. An idle queue has nothing pending or
// partly written: it closes, or queues final. Otherwise the owner applies
// it (trimLocked) at its next step, without disturbing a write in progress.
func (q *OutQueue) abortLocked(final []byte) abortStep {
	q.aborted = true
	if !q.scheduled {
		if len(final) == 0 {
			return abortStep{closed: true, done: q.closeLocked()}
		}
		q.frames = append(q.frames[:0], final)
		q.head, q.offset, q.bytes = 0, 0, len(final)
		q.pendingBytes.Store(int64(q.bytes))
		q.pendingFrames.Store(1)
		q.state = queueClosing
		q.scheduled = true
		return abortStep{ready: true}
	}
	q.state = queueClosing
	q.aborting = true
	q.final = final
	return abortStep{}
}

func (q *OutQueue) afterAbort(a abortStep) {
	if a.closed {
		q.afterClose(a.done)
		return
	}
	if q.owner != nil {
		q.owner.queueAborting()
	}
	if a.ready && q.owner != nil {
		q.owner.queueReady()
	}
}

// trimLocked applies a pending CloseNow, for the owner: the rest of a
// frame partly written stays, the other frames go, final is queued.
func (q *OutQueue) trimLocked() {
	if !q.aborting {
		return
	}
	q.aborting = false
	keep := q.head
	if q.offset > 0 || q.preface {
		keep++
	}
	clear(q.frames[keep:])
	q.frames = q.frames[:keep]
	q.bytes = 0
	if keep > q.head {
		q.bytes = len(q.frames[q.head]) - q.offset
	}
	if len(q.final) > 0 {
		q.frames = append(q.frames, q.final)
		q.bytes += len(q.final)
	}
	q.final = nil
	q.pendingBytes.Store(int64(q.bytes))
	q.pendingFrames.Store(int64(len(q.frames) - q.head))
}

// PendingBytes returns the bytes queued and not yet written.
func (q *OutQueue) PendingBytes() int { return int(q.pendingBytes.Load()) }

// PendingFrames returns the frames queued and not yet completely written.
func (q *OutQueue) PendingFrames() int { return int(q.pendingFrames.Load()) }

// OverSoft reports whether the queue holds at least its soft limit, in bytes
// or frames: a slow-consumer grace period checks it when it expires.
func (q *OutQueue) OverSoft() bool {
	return q.PendingBytes() >= q.limits.SoftBytes || q.PendingFrames() >= q.limits.SoftFrames
}

// Dropped returns how many volatile frames were dropped at the soft limit.
func (q *OutQueue) Dropped() uint64 { return q.dropped.Load() }

// Closed reports whether the queue is closed or closing: pushes fail.
func (q *OutQueue) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state != queueOpen
}

// closedNow reports whether the queue is closed (not merely closing).
func (q *OutQueue) closedNow() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state == queueClosed
}

// closeLocked marks the queue closed and, unless a flusher owns the frames,
// discards them. It reports whether done must be called.
func (q *OutQueue) closeLocked() bool {
	q.state = queueClosed
	q.pendingBytes.Store(0)
	q.pendingFrames.Store(0)
	if q.scheduled {
		return false // the owner discards and reports done when it returns
	}
	q.discardLocked()
	return q.doneLocked()
}

// afterClose runs the close hooks, outside the lock.
func (q *OutQueue) afterClose(done bool) {
	if q.owner != nil {
		q.owner.queueClosed()
	}
	if done && q.owner != nil {
		q.owner.queueDone()
	}
}

func (q *OutQueue) discardLocked() {
	clear(q.frames)
	q.frames = nil
	q.head, q.offset, q.bytes = 0, 0, 0
	q.final, q.aborting, q.preface = nil, false, false
}

// doneLocked reports, once, that the queue is closed and unowned.
func (q *OutQueue) doneLocked() bool {
	if q.state != queueClosed || q.scheduled || q.doneSent {
		return false
	}
	q.doneSent = true
	return true
}

// The methods below are for the flusher that owns the queue (scheduled).

// view returns up to limit pending frames and how many bytes of the first one
// are already written. The slice stays valid without the lock until the
// owner calls consumed. st is flushMore when there is something to write;
// otherwise the queue is released and st says why.
func (q *OutQueue) view(limit int) (frames [][]byte, offset int, st flushStatus) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state == queueClosed {
		return nil, 0, q.releaseStatusLocked()
	}
	q.trimLocked()
	if q.head == len(q.frames) {
		// An owned queue is not empty unless closing; be safe anyway.
		if q.state == queueClosing {
			return nil, 0, q.releaseStatusLocked()
		}
		q.scheduled = false
		return nil, 0, flushIdle
	}
	end := min(len(q.frames), q.head+limit)
	return q.frames[q.head:end], q.offset, flushMore
}

// consumed records that n more bytes were written and says what next. It
// also returns how many frames were completed.
func (q *OutQueue) consumed(n int) (st flushStatus, frames int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state == queueClosed {
		return q.releaseStatusLocked(), 0
	}
	q.bytes -= n
	for n > 0 && q.head < len(q.frames) {
		rest := len(q.frames[q.head]) - q.offset
		if n < rest {
			q.offset += n
			break
		}
		n -= rest
		q.frames[q.head] = nil // let the frame go as soon as it is written
		q.head++
		q.offset = 0
		if q.preface {
			q.preface = false // not a frame
		} else {
			frames++
		}
	}
	q.trimLocked()
	pending := len(q.frames) - q.head
	switch {
	case pending == 0:
		if cap(q.frames) > keepFrameSlots {
			q.frames = nil
		} else {
			q.frames = q.frames[:0]
		}
		q.head = 0
	case q.head > len(q.frames)/2:
		// Slide the pending tail to the front so a queue that never
		// drains completely does not grow without bound.
		copy(q.frames, q.frames[q.head:])
		clear(q.frames[pending:])
		q.frames = q.frames[:pending]
		q.head = 0
	}
	q.pendingBytes.Store(int64(q.bytes))
	q.pendingFrames.Store(int64(pending))
	if !q.softArmed && q.bytes <= q.limits.SoftBytes/2 && pending <= q.limits.SoftFrames/2 {
		q.softArmed = true
	}
	if pending > 0 {
		return flushMore, frames
	}
	if q.state == queueClosing {
		return q.releaseStatusLocked(), frames
	}
	q.scheduled = false
	return flushIdle, frames
}

// fail closes the queue after a write error and releases it. It reports
// whether the queue was still open (so the error must be reported) and
// whether done must be called.
func (q *OutQueue) fail() (wasOpen, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	wasOpen = q.state != queueClosed
	q.state = queueClosed
	q.pendingBytes.Store(0)
	q.pendingFrames.Store(0)
	return wasOpen, q.releaseLocked()
}

// releaseLocked gives up ownership of a queue that will not be flushed again
// (closed, or its pool stopped) and reports whether done must be called.
func (q *OutQueue) releaseLocked() bool {
	q.state = queueClosed
	q.pendingBytes.Store(0)
	q.pendingFrames.Store(0)
	q.scheduled = false
	q.discardLocked()
	return q.doneLocked()
}

// releaseStatusLocked releases a closed queue and returns flushDone if done
// must be called, flushClosed if it already was.
func (q *OutQueue) releaseStatusLocked() flushStatus {
	if q.releaseLocked() {
		return flushDone
	}
	return flushClosed
}

// release is releaseLocked with the lock.
func (q *OutQueue) release() (done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.releaseLocked()
}
