package transport

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// WriterPool flushes the outbound queues of many connections with a fixed
// set of goroutines (about one per core).
//
// A connection is handed to the pool once when its queue goes from idle to
// non-empty. A writer then takes everything pending and writes it with one
// system call: small frames copied into the writer's buffer, large ones
// passed by reference with writev. The write is a single non-blocking
// attempt, since on this path the syscall is the cost and a writer must never
// park on one slow socket: an unwritten tail stays queued and the connection
// waits for writability on its own goroutine (parked in the netpoller) until
// it can go back to the pool.
//
// Connections that are not a syscall.Conn (TLS, net.Pipe), and every
// connection on systems other than Linux, get one goroutine each that writes
// with a blocking Write under a write deadline.
type WriterPool struct {
	writers      int
	bufferSize   int
	writeTimeout time.Duration
	closeTimeout time.Duration

	mu      sync.Mutex
	conns   map[*OutConn]struct{}
	stopped bool

	// Connections ready to flush, each at most once (OutQueue.scheduled).
	readyMu   sync.Mutex
	readyCond *sync.Cond
	ready     []*OutConn
	readyHead int
	sleeping  int // writers waiting on readyCond and not yet signalled
	stopping  bool

	wg   sync.WaitGroup
	bufs sync.Pool // *[]byte for the blocking writers

	writes, frames, bytes, waits atomic.Uint64
}

// PoolOptions configures a WriterPool. A nil *PoolOptions means defaults.
type PoolOptions struct {
	// Writers is the number of writer goroutines.
	// Zero means runtime.GOMAXPROCS(0).
	Writers int
	// BufferSize is each writer's coalescing buffer: frames smaller than a
	// sixteenth of it are copied into it, larger ones are written by
	// reference. Zero means 64 KiB.
	BufferSize int
	// WriteTimeout is how long a connection may accept no byte before its
	// write fails with os.ErrDeadlineExceeded (reported by OnWriteError).
	// Zero means 10s; negative means no timeout.
	WriteTimeout time.Duration
	// CloseTimeout bounds CloseNow (and an overflow with an OverflowFrame):
	// the time left to write the rest of a partly written frame and the
	// final one. Past it the connection is done, written or not: a peer
	// that does not read cannot hold it. Zero means 5s.
	CloseTimeout time.Duration
}

// Pool defaults, used where a PoolOptions field is zero.
const (
	DefaultBufferSize   = 64 << 10
	DefaultWriteTimeout = 10 * time.Second
	DefaultCloseTimeout = 5 * time.Second
)

// Per flush limits. Past maxFlushBytes the kernel would take a partial write
// anyway; maxIovecs stays far below IOV_MAX (1024).
const (
	maxFlushFrames = 1024
	maxFlushBytes  = 1 << 20
	maxIovecs      = 64
	// A writer takes at most this many ready connections at once, so the
	// others get a share of a large broadcast.
	maxTake = 64
)

// ErrPoolStopped is returned by Attach after Stop.
var ErrPoolStopped = errors.New("transport: writer pool stopped")

// PoolStats are a pool's cumulative counters.
type PoolStats struct {
	// Writes counts write system calls, including those that would have
	// blocked; on connections that are not a syscall.Conn, Write calls.
	Writes uint64
	// Frames counts frames written completely.
	Frames uint64
	// Bytes counts bytes written.
	Bytes uint64
	// Waits counts the times a connection waited for its socket to become
	// writable again after a partial write.
	Waits uint64
}

// ConnHooks are an OutConn's callbacks; nil ones are skipped. None may
// block: they are meant to post a message to the session actor. OnSoft and
// OnHard run on the goroutine that pushed, before Push returns and after the
// queue's lock is released (so they may push or close). OnWriteError and
// OnDone run on a pool goroutine, or on the goroutine that closed the queue.
type ConnHooks struct {
	// OnSoft is called when a push takes the queue past its soft limit. It
	// fires once per crossing: it is re-armed only when flushing brings the
	// queue back to half the soft limit (bytes and frames), so a queue
	// hovering at the limit does not flood the session with events.
	OnSoft func()
	// OnHard is called once, when a push would take the queue past its hard
	// limit. The queue is then closed, its pending frames discarded, and
	// the connection must be closed (or, with an OverflowFrame, it closes
	// as by CloseNow).
	OnHard func()
	// OnWriteError is called at most once, with the first write error
	// (EPIPE, ECONNRESET, os.ErrDeadlineExceeded...) of a queue that was not
	// closed by its owner. The queue is then closed.
	OnWriteError func(error)
	// OnDone is called once, when the OutConn will never write to its
	// net.Conn again: after Close, after the final flush of
	// CloseAfterFlush, after an overflow or a write error. The owner may
	// then close the net.Conn.
	OnDone func()

	// OverflowFrame, when set, is what an overflow writes instead of the
	// backlog (a WebSocket close frame that says why): the queue closes as
	// by CloseNow(OverflowFrame). Nil: an overflow closes at once. Not a
	// callback; it is shared and never modified.
	OverflowFrame []byte
}

// OutConn is the output side of one connection: its OutQueue bound to its
// net.Conn and to the pool that flushes it. Push, Close and CloseAfterFlush
// are the queue's. The reading side of the net.Conn is not its business.
type OutConn struct {
	*OutQueue
	pool  *WriterPool
	conn  net.Conn
	raw   syscall.RawConn // nil: blocking writes on a goroutine of its own
	hooks ConnHooks
	kick  chan struct{} // wakes the blocking writer

	closeBy atomic.Int64 // UnixNano: CloseNow's deadline for every write; 0 before
}

// NewWriterPool starts a pool's writer goroutines. Stop ends them.
func NewWriterPool(opts *PoolOptions) *WriterPool {
	var o PoolOptions
	if opts != nil {
		o = *opts
	}
	if o.Writers <= 0 {
		o.Writers = runtime.GOMAXPROCS(0)
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = DefaultCloseTimeout
	}
	p := &WriterPool{
		writers:      o.Writers,
		bufferSize:   o.BufferSize,
		writeTimeout: o.WriteTimeout,
		closeTimeout: o.CloseTimeout,
		conns:        make(map[*OutConn]struct{}),
	}
	p.readyCond = sync.NewCond(&p.readyMu)
	p.bufs.New = func() any {
		b := make([]byte, 0, p.bufferSize)
		return &b
	}
	p.wg.Add(p.writers)
	for range p.writers {
		w := &writer{pool: p, buf: make([]byte, 0, p.bufferSize)}
		w.writeOnce = w.write
		go w.run()
	}
	return p
}

// Attach binds c's output to a new queue flushed by the pool. From now on
// only the OutConn may write to c. A c that implements syscall.Conn is
// written through its file descriptor, bypassing its Write method.
//
// Closing the queue (Close, overflow, write error) sets a past write
// deadline on c to interrupt a write in progress; Attach never closes c.
func (p *WriterPool) Attach(c net.Conn, limits QueueLimits, hooks ConnHooks) (*OutConn, error) {
	oc := &OutConn{
		pool:  p,
		conn:  c,
		raw:   rawConnOf(c),
		hooks: hooks,
	}
	oc.OutQueue = newOutQueue(limits, oc)
	oc.OutQueue.abortFrame = hooks.OverflowFrame
	if oc.raw == nil {
		oc.kick = make(chan struct{}, 1)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil, ErrPoolStopped
	}
	p.conns[oc] = struct{}{}
	if oc.raw == nil {
		p.wg.Add(1)
		go oc.runBlocking()
	}
	return oc, nil
}

// Stop closes every attached connection's queue (discarding what is
// pending), waits for their OnDone and stops the pool's goroutines. Attach
// fails afterwards. Stop may be called more than once.
func (p *WriterPool) Stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		p.wg.Wait()
		return
	}
	p.stopped = true
	conns := make([]*OutConn, 0, len(p.conns))
	for oc := range p.conns {
		conns = append(conns, oc)
	}
	p.mu.Unlock()

	for _, oc := range conns {
		oc.Close()
	}
	// Only now: writers must still pick up the closed connections that are
	// in the ready list, to release them.
	p.readyMu.Lock()
	p.stopping = true
	p.readyCond.Broadcast()
	p.readyMu.Unlock()
	p.wg.Wait()
}

// Pending sums what every attached connection has queued and not written.
func (p *WriterPool) Pending() (bytes, frames int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for oc := range p.conns {
		bytes += oc.PendingBytes()
		frames += oc.PendingFrames()
	}
	return bytes, frames
}

// Stats returns the pool's counters.
func (p *WriterPool) Stats() PoolStats {
	return PoolStats{
		Writes: p.writes.Load(),
		Frames: p.frames.Load(),
		Bytes:  p.bytes.Load(),
		Waits:  p.waits.Load(),
	}
}

// enqueue appends oc to the ready list. It fails once the pool is stopping.
func (p *WriterPool) enqueue(oc *OutConn) bool {
	p.readyMu.Lock()
	if p.stopping {
		p.readyMu.Unlock()
		return false
	}
	p.ready = append(p.ready, oc)
	if p.sleeping > 0 {
		p.sleeping--
		p.readyCond.Signal()
	}
	p.readyMu.Unlock()
	return true
}

// takeReady appends ready connections to dst, waiting for one. It returns dst
// unchanged when the pool has stopped and nothing is ready.
func (p *WriterPool) takeReady(dst []*OutConn) []*OutConn {
	p.readyMu.Lock()
	defer p.readyMu.Unlock()
	for p.readyHead == len(p.ready) {
		if p.stopping {
			return dst
		}
		p.sleeping++
		p.readyCond.Wait()
	}
	avail := len(p.ready) - p.readyHead
	end := p.readyHead + min(maxTake, max(1, avail/p.writers))
	dst = append(dst, p.ready[p.readyHead:end]...)
	clear(p.ready[p.readyHead:end])
	p.readyHead = end
	if p.readyHead > len(p.ready)/2 {
		// Compact so a list that never empties does not grow.
		n := copy(p.ready, p.ready[p.readyHead:])
		clear(p.ready[n:])
		p.ready = p.ready[:n]
		p.readyHead = 0
	}
	return dst
}

func (p *WriterPool) detach(oc *OutConn) {
	p.mu.Lock()
	delete(p.conns, oc)
	p.mu.Unlock()
}

// Conn returns the connection written to.
func (oc *OutConn) Conn() net.Conn { return oc.conn }

// The OutConn owns its queue (queueOwner).
func (oc *OutConn) queueSoft() {
	if oc.hooks.OnSoft != nil {
		oc.hooks.OnSoft()
	}
}

func (oc *OutConn) queueHard() {
	if oc.hooks.OnHard != nil {
		oc.hooks.OnHard()
	}
}

func (oc *OutConn) queueReady()    { oc.schedule() }
func (oc *OutConn) queueClosed()   { oc.interrupt() }
func (oc *OutConn) queueAborting() { oc.bound() }
func (oc *OutConn) queueDone()     { oc.finish() }

// schedule hands a queue that just became non-empty to a flusher.
func (oc *OutConn) schedule() {
	if oc.raw == nil {
		select {
		case oc.kick <- struct{}{}:
		default:
		}
		return
	}
	if !oc.pool.enqueue(oc) {
		// The pool is stopping and has already closed this queue.
		if oc.release() {
			oc.finish()
		}
	}
}

// interrupt runs when the queue closes: it wakes a write parked on the socket
// (raw wait or blocking Write) and the blocking writer's goroutine.
func (oc *OutConn) interrupt() {
	_ = oc.conn.SetWriteDeadline(time.Unix(1, 0))
	if oc.kick != nil {
		select {
		case oc.kick <- struct{}{}:
		default:
		}
	}
}

// bound runs when CloseNow (or an overflow) begins: every write from now on,
// the one in progress included, ends by closeTimeout from now.
func (oc *OutConn) bound() {
	by := time.Now().Add(oc.pool.closeTimeout)
	oc.closeBy.Store(by.UnixNano())
	_ = oc.conn.SetWriteDeadline(by)
}

// armWriteDeadline sets the deadline of a write about to wait: writeTimeout
// from now, or CloseNow's deadline if that is sooner. Called once before
// view (so that a Close seen after it wins with its past deadline) and once
// after it (so that a CloseNow that view saw cannot have been overridden).
func (oc *OutConn) armWriteDeadline(after bool) {
	by := oc.closeBy.Load()
	if after && by == 0 {
		return
	}
	var d time.Time
	if t := oc.pool.writeTimeout; t > 0 {
		d = time.Now().Add(t)
	}
	if by != 0 && (d.IsZero() || by < d.UnixNano()) {
		d = time.Unix(0, by)
	}
	if !d.IsZero() {
		_ = oc.conn.SetWriteDeadline(d)
	}
	if after && oc.closedNow() {
		oc.interrupt() // a Close between view and here: its deadline wins
	}
}

func (oc *OutConn) finish() {
	oc.pool.detach(oc)
	if oc.hooks.OnDone != nil {
		oc.hooks.OnDone()
	}
}

// settle records the outcome of a write attempt that wrote n bytes. It
// returns flushMore if the caller still owns the queue and frames remain.
func (oc *OutConn) settle(n int, err error) flushStatus {
	p := oc.pool
	n = max(n, 0)
	p.bytes.Add(uint64(n))
	if err != nil && !errors.Is(err, syscall.EAGAIN) {
		wasOpen, done := oc.OutQueue.fail()
		if wasOpen && oc.hooks.OnWriteError != nil {
			oc.hooks.OnWriteError(err)
		}
		if done {
			oc.finish()
		}
		return flushClosed
	}
	st, frames := oc.consumed(n)
	p.frames.Add(uint64(frames))
	if st == flushDone {
		oc.finish()
	}
	return st
}

// writer is one of the pool's goroutines.
type writer struct {
	pool  *WriterPool
	buf   []byte   // coalescing buffer; never grown past its capacity
	segs  [][]byte // what the next write sends: parts of buf and large frames
	iov   iovecs
	batch []*OutConn

	// writeOnce is w.write bound once, so RawConn.Write allocates nothing.
	writeOnce func(fd uintptr) bool
	n         int
	err       error
}

func (w *writer) run() {
	defer w.pool.wg.Done()
	for {
		w.batch = w.pool.takeReady(w.batch[:0])
		if len(w.batch) == 0 {
			return
		}
		for i, oc := range w.batch {
			w.flush(oc)
			w.batch[i] = nil
		}
	}
}

// flush makes one non-blocking write of what oc has pending.
func (w *writer) flush(oc *OutConn) {
	frames, offset, st := oc.view(maxFlushFrames)
	if st != flushMore {
		if st == flushDone {
			oc.finish()
		}
		return
	}
	total := w.gather(frames, offset)
	w.n, w.err = 0, nil // Write may fail before calling back
	err := oc.raw.Write(w.writeOnce)
	clear(w.segs) // drop references to frames
	if err == nil {
		err = w.err
	}
	if oc.settle(w.n, err) != flushMore {
		return
	}
	if w.n < total {
		oc.awaitWritable() // the socket is full
	} else {
		oc.schedule() // more was pushed meanwhile: back of the line
	}
}

// write is the RawConn.Write callback: exactly one attempt, never a wait.
func (w *writer) write(fd uintptr) bool {
	w.n, w.err = w.iov.write(fd, w.segs)
	w.pool.writes.Add(1)
	return true
}

// gather fills w.segs with frames, skipping offset bytes of the first, and
// returns the byte count. Small frames are copied into w.buf so a broadcast
// of many small frames costs one plain write.
func (w *writer) gather(frames [][]byte, offset int) int {
	w.buf = w.buf[:0]
	w.segs = w.segs[:0]
	large := max(cap(w.buf)/16, 1)
	copied := 0 // start of the part of buf not yet in segs
	total := 0
	for i, f := range frames {
		if i == 0 {
			f = f[offset:]
		}
		if len(f) >= large {
			if len(w.segs) >= maxIovecs-2 {
				break
			}
			if len(w.buf) > copied {
				w.segs = append(w.segs, w.buf[copied:])
				copied = len(w.buf)
			}
			w.segs = append(w.segs, f)
		} else {
			if len(w.buf)+len(f) > cap(w.buf) {
				break
			}
			w.buf = append(w.buf, f...)
		}
		total += len(f)
		if total >= maxFlushBytes {
			break
		}
	}
	if len(w.buf) > copied {
		w.segs = append(w.segs, w.buf[copied:])
	}
	return total
}

// awaitWritable parks a connection whose socket is full on a goroutine of its
// own until the socket takes more, so no writer waits for it.
// FlushNow writes what is pending on the caller's goroutine, for a caller
// that owns the flush (PushOwned said so): a frame answered at once (an
// ack, an emit to one socket) goes out without waking a writer. It makes
// one non-blocking write of a single pending frame (or of the handshake
// response and the first frame); more frames, a socket that does not take
// it all, or a blocking connection go to the pool.
func (oc *OutConn) FlushNow() {
	if oc.raw == nil {
		oc.schedule()
		return
	}
	frames, offset, st := oc.view(len(directWriter{}.seg) + 1)
	if st != flushMore {
		if st == flushDone {
			oc.finish()
		}
		return
	}
	if len(frames) > len(directWriter{}.seg) {
		oc.schedule()
		return
	}
	d := directWriters.Get().(*directWriter)
	copy(d.seg[:], frames)
	d.seg[0] = d.seg[0][offset:]
	d.segs, d.n, d.err = d.seg[:len(frames)], 0, nil
	err := oc.raw.Write(d.writeOnce)
	if err == nil {
		err = d.err
	}
	n := d.n
	d.seg, d.segs = [2][]byte{}, nil
	directWriters.Put(d)
	oc.pool.writes.Add(1)
	if oc.settle(n, err) != flushMore {
		return
	}
	oc.schedule() // the socket was full, or more was pushed meanwhile
}

// directWriter is FlushNow's write, with its RawConn.Write callback bound
// once: a direct write allocates nothing.
type directWriter struct {
	// seg holds a frame, or two: a WebSocket's first frame follows its
	// handshake response (OutQueue.Preface).
	seg       [2][]byte
	segs      [][]byte
	iov       iovecs
	n         int
	err       error
	writeOnce func(fd uintptr) bool
}

var directWriters = sync.Pool{New: func() any {
	d := &directWriter{}
	d.writeOnce = func(fd uintptr) bool {
		d.n, d.err = d.iov.write(fd, d.segs)
		return true
	}
	return d
}}

func (oc *OutConn) awaitWritable() {
	oc.pool.waits.Add(1)
	oc.pool.wg.Add(1) // called from a pool goroutine: the count is not zero
	go oc.waitAndWrite()
}

func (oc *OutConn) waitAndWrite() {
	p := oc.pool
	defer p.wg.Done()
	oc.armWriteDeadline(false)
	// Viewing after setting the deadline guarantees that a concurrent
	// Close is seen here or its past deadline wins (see interrupt).
	frames, offset, st := oc.view(maxIovecs)
	if st != flushMore {
		if st == flushDone {
			oc.finish()
		}
		return
	}
	oc.armWriteDeadline(true)
	// No copy here: this runs rarely and may park for long, so it holds
	// no buffer, only references to the queued frames.
	segs := make([][]byte, 0, len(frames))
	total := 0
	for i, f := range frames {
		if i == 0 {
			f = f[offset:]
		}
		segs = append(segs, f)
		total += len(f)
		if total >= maxFlushBytes {
			break
		}
	}
	var iov iovecs
	var n int
	var werr error
	err := oc.raw.Write(func(fd uintptr) bool {
		n, werr = iov.write(fd, segs)
		p.writes.Add(1)
		return !errors.Is(werr, syscall.EAGAIN) // false: park until writable
	})
	if p.writeTimeout > 0 {
		_ = oc.conn.SetWriteDeadline(time.Time{})
	}
	if err == nil {
		err = werr
	}
	if oc.settle(n, err) != flushMore {
		return
	}
	if n < total {
		oc.awaitWritable()
	} else {
		oc.schedule()
	}
}

// runBlocking is the writer of a connection that is not a syscall.Conn.
func (oc *OutConn) runBlocking() {
	defer oc.pool.wg.Done()
	for range oc.kick {
		if !oc.flushBlocking() {
			return
		}
	}
}

// flushBlocking writes until the queue is idle, one Write per round. It
// returns false once the queue is closed.
func (oc *OutConn) flushBlocking() bool {
	p := oc.pool
	bufp := p.bufs.Get().(*[]byte)
	defer p.bufs.Put(bufp)
	for {
		// Before view, as in waitAndWrite: a Close racing with this
		// flush is seen by view, or its past deadline overrides ours.
		oc.armWriteDeadline(false)
		frames, offset, st := oc.view(maxFlushFrames)
		switch st {
		case flushIdle:
			return true
		case flushDone:
			oc.finish()
			return false
		case flushClosed:
			return false
		}
		oc.armWriteDeadline(true)
		b := (*bufp)[:0]
		if first := frames[0][offset:]; len(first) > cap(b) {
			b = first // too big to copy: write it alone
		} else {
			for i, f := range frames {
				if i == 0 {
					f = f[offset:]
				}
				if len(b)+len(f) > cap(b) {
					break
				}
				b = append(b, f...)
			}
		}
		n, err := oc.conn.Write(b)
		p.writes.Add(1)
		switch oc.settle(n, err) {
		case flushMore:
		case flushIdle:
			return true
		default:
			return false
		}
	}
}
