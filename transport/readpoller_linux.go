package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadPoller reads WebSocket connections when they have input, instead of
// a goroutine per connection parked in Read: an idle connection holds no
// goroutine and no buffer, only its registration in an epoll set.
//
// Each of its loops owns one epoll set and one read buffer. A connection
// is registered edge-triggered, never re-armed: its read lock decides who
// reads it, and exactly one goroutine does at a time (the loop, or a
// goroutine the connection hands itself to while its inbound backlog is
// paused or an oversized message is being read past; WSConn.input). The loop
// itself waits in Go's own netpoller, on the epoll set's descriptor, so it
// is an ordinary parked goroutine, never a thread blocked in a syscall.
//
// The loops start with the first connection given to the poller, so a
// server that never sees a plain socket (tests in a synctest bubble, on
// in-memory pipes) runs none.
type ReadPoller struct {
	mu      sync.Mutex
	started bool
	closed  bool
	loops   []*pollLoop
	next    uint64 // round robin over loops
	wg      sync.WaitGroup
}

type pollLoop struct {
	epfd   *os.File
	fd     int // epfd's descriptor
	raw    syscall.RawConn
	buf    []byte
	closed atomic.Bool

	mu    sync.Mutex
	conns map[uint64]*WSConn
	id    uint64

	// The read the loop makes, set before raw.Read(readFn): one closure
	// for the loop's life, so a read allocates nothing.
	target []byte
	n      int
	err    error
	readFn func(fd uintptr) bool
}

// pollReadBuffer is each loop's read buffer: one read takes many small
// frames together; a payload larger than it is read into its own slice.
const pollReadBuffer = 64 << 10

// pollEvents is how many ready connections one wait returns.
const pollEvents = 128

// NewReadPoller returns a poller that will run one loop per GOMAXPROCS.
func NewReadPoller() *ReadPoller { return &ReadPoller{} }

// ready starts the loops if they are not running yet, and reports whether
// the poller reads connections (false: it is closed, or epoll could not
// be set up, and a goroutine reads each connection).
func (p *ReadPoller) ready() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started && !p.closed {
		p.started = true
		for range runtime.GOMAXPROCS(0) {
			l, err := newPollLoop()
			if err != nil {
				break // what runs serves; with none, goroutines read
			}
			p.loops = append(p.loops, l)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				l.run()
			}()
		}
	}
	return !p.closed && len(p.loops) > 0
}

func newPollLoop() (*pollLoop, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// Non-blocking, so os.NewFile puts it in Go's netpoller.
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), "epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	l := &pollLoop{epfd: f, fd: fd, raw: raw, buf: make([]byte, pollReadBuffer), conns: map[uint64]*WSConn{}}
	l.readFn = func(fd uintptr) bool {
		for {
			n, err := unix.Read(int(fd), l.target)
			if err == unix.EINTR {
				continue
			}
			l.n, l.err = max(n, 0), err
			return true
		}
	}
	return l, nil
}

// Close stops the loops. Connections still registered are read no more.
func (p *ReadPoller) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for _, l := range p.loops {
		l.closed.Store(true)
		_ = l.epfd.Close()
	}
	p.wg.Wait()
}

// add registers w, whose raw connection is rc, and arms it: from now on
// the loop reads it when it has input. It fails for a connection that is
// closing.
func (p *ReadPoller) add(w *WSConn, rc syscall.RawConn) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPollerClosed
	}
	l := p.loops[p.next%uint64(len(p.loops))]
	p.next++
	p.mu.Unlock()
	l.mu.Lock()
	l.id++
	id := l.id
	l.mu.Unlock()
	reg := &pollReg{loop: l, id: id, raw: rc}
	// Known to the loop and to stopPolling before it can be reported: a
	// stopPolling after this unregisters it, one before refuses it here.
	w.mu.Lock()
	if w.readStopped {
		w.mu.Unlock()
		return net.ErrClosed
	}
	l.mu.Lock()
	l.conns[id] = w
	l.mu.Unlock()
	w.poll = reg
	w.mu.Unlock()
	return reg.once(unix.EPOLL_CTL_ADD)
}

// pollReg is a connection's registration.
type pollReg struct {
	loop *pollLoop
	id   uint64
	raw  syscall.RawConn
}

// once applies op (add, delete), which happens once per connection;
// through raw.Control, so the descriptor cannot be closed (and reused by
// another connection) meanwhile.
func (r *pollReg) once(op int) error {
	if r.loop.closed.Load() {
		return errPollerClosed
	}
	var err error
	// Edge-triggered: reported once per arrival, never re-armed (which
	// would be a syscall per read); the reader reads until the socket is
	// empty (WSConn.input).
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(uint32(r.id)), Pad: int32(uint32(r.id >> 32))}
	if cerr := r.raw.Control(func(fd uintptr) { err = unix.EpollCtl(r.loop.fd, op, int(fd), &ev) }); cerr != nil {
		return cerr
	}
	return os.NewSyscallError("epoll_ctl", err)
}

// remove unregisters the connection, before it is closed.
func (r *pollReg) remove() {
	_ = r.once(unix.EPOLL_CTL_DEL)
	r.loop.forget(r.id)
}

func (l *pollLoop) forget(id uint64) {
	l.mu.Lock()
	delete(l.conns, id)
	l.mu.Unlock()
}

// errPollerClosed: the server is shutting down, its poller with it.
var errPollerClosed = errors.New("transport: read poller closed")

// run waits for ready connections and reads each once, until Close.
func (l *pollLoop) run() {
	events := make([]unix.EpollEvent, pollEvents)
	var n int
	var werr error
	wait := func(fd uintptr) bool {
		n, werr = unix.EpollWait(int(fd), events, 0)
		return n > 0 || werr != nil && werr != unix.EINTR
	}
	for {
		if err := l.raw.Read(wait); err != nil {
			return // closed
		}
		if werr != nil {
			if !errors.Is(werr, unix.EINTR) {
				return
			}
			continue
		}
		for i := range events[:n] {
			ev := &events[i]
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			l.mu.Lock()
			w := l.conns[id]
			l.mu.Unlock()
			if w != nil {
				w.input(l.buf, l)
			}
		}
	}
}

// rawReader makes one non-blocking read of a connection.
type rawReader interface {
	read(rc syscall.RawConn, target []byte) (int, error)
}

// startPolling registers the connection with the poller, which reads it
// from now on, or first hands it to carryOn for what the upgrade read.
func (w *WSConn) startPolling() {
	if w.held != nil {
		w.handedOff = true
		go w.carryOn()
		return
	}
	if err := w.poller.add(w, w.raw); err != nil {
		w.readMu.Lock()
		w.readEnded(err)
		w.readMu.Unlock()
	}
}

// rejoinPoller gives the connection back to the poller at the end of
// carryOn (readMu held); catchUp then reads what came meanwhile.
func (w *WSConn) rejoinPoller() error {
	w.handedOff = false
	if w.poll == nil {
		return w.poller.add(w, w.raw)
	}
	return nil
}

// catchUp reads what arrived while carryOn had the connection: the poller
// reported it then, once, and left it.
func (w *WSConn) catchUp() {
	w.input(make([]byte, readBufferSize), ownReader{})
}

// input reads w, whose input the poller reported, until the socket is
// empty, unless another goroutine reads it now (that one sees edge and
// reads on) or carryOn has it.
func (w *WSConn) input(buf []byte, rd rawReader) {
	w.edge.Store(true)
	for w.edge.Load() {
		if !w.readMu.TryLock() {
			return
		}
		if w.handedOff || w.readOver {
			w.readMu.Unlock()
			return
		}
		w.edge.Store(false)
		w.readOnce(buf, rd)
		w.readMu.Unlock()
	}
}

// readOnce reads w once and parses what came; the caller holds readMu. A
// read that filled its target sets edge: the socket may hold more.
func (w *WSConn) readOnce(buf []byte, rd rawReader) {
	target, direct := w.readTarget(buf)
	n, err := rd.read(w.raw, target)
	if n > 0 {
		if cerr := w.consume(target[:n], direct); cerr != nil {
			w.readEnded(cerr)
			return
		}
	}
	switch {
	case err == unix.EAGAIN:
		return
	case err != nil:
		w.readEnded(err)
		return
	case n == 0:
		w.readEnded(io.EOF)
		return
	}
	if w.mustCarryOn() {
		w.handedOff = true
		go w.carryOn()
		return
	}
	if n == len(target) {
		w.edge.Store(true)
	}
}

// ownReader reads with a closure of its own: for catchUp, off the loop.
type ownReader struct{}

func (ownReader) read(rc syscall.RawConn, target []byte) (n int, err error) {
	if rerr := rc.Read(func(fd uintptr) bool {
		for {
			n, err = unix.Read(int(fd), target)
			if err != unix.EINTR {
				n = max(n, 0)
				return true
			}
		}
	}); rerr != nil {
		return 0, rerr
	}
	return n, err
}

// read makes one non-blocking read of w's connection into target.
func (l *pollLoop) read(rc syscall.RawConn, target []byte) (int, error) {
	l.target = target
	if err := rc.Read(l.readFn); err != nil {
		l.target = nil
		return 0, err
	}
	l.target = nil
	return l.n, l.err
}
