package loadgen

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// worker is one event loop: an epoll set of client sockets, an eventfd that
// wakes it for commands from other goroutines, and a timerfd that wakes it
// for the next scheduled send. One goroutine runs it and owns every conn in
// it, its tally and its pacer, so the hot path takes no lock.
type worker struct {
	g    *Gen
	idx  int
	epfd int
	evfd int
	tfd  int

	byFD   []*conn
	nconns int
	events []unix.EpollEvent
	rd     []byte // read buffer shared by the worker's conns
	wb     []byte // frame scratch
	pb     []byte // packet scratch

	mu   sync.Mutex
	cmds []func()
	quit bool
	done chan struct{}

	t         tally
	game      []*conn // clients in the lobby game (Queue), closed ones included
	tickHz    float64 // the game server's tick rate
	pacer     *pacer
	timerDue  int64
	echoUntil int64
}

// minTimerSlack is the shortest timer the pacer arms: sends due closer than
// this go out in the same wake-up.
const minTimerSlack = 50 * time.Microsecond

func newWorker(g *Gen, idx int) (*worker, error) {
	w := &worker{g: g, idx: idx, events: make([]unix.EpollEvent, 512), rd: make([]byte, 256<<10), done: make(chan struct{})}
	var err error
	if w.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, err
	}
	if w.evfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		unix.Close(w.epfd)
		return nil, err
	}
	if w.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		unix.Close(w.epfd)
		unix.Close(w.evfd)
		return nil, err
	}
	for _, fd := range []int{w.evfd, w.tfd} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			w.closeFDs()
			return nil, err
		}
	}
	return w, nil
}

func (w *worker) closeFDs() {
	unix.Close(w.tfd)
	unix.Close(w.evfd)
	unix.Close(w.epfd)
}

// do runs f on the worker's goroutine.
func (w *worker) do(f func()) {
	w.mu.Lock()
	w.cmds = append(w.cmds, f)
	w.mu.Unlock()
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(w.evfd, one[:])
}

// call runs f on the worker's goroutine and waits for it; it returns false
// if the worker has stopped.
func (w *worker) call(f func()) bool {
	ran := make(chan struct{})
	w.do(func() { f(); close(ran) })
	select {
	case <-ran:
		return true
	case <-w.done:
		select {
		case <-ran:
			return true
		default:
			return false
		}
	}
}

func (w *worker) runCmds() {
	var b [8]byte
	_, _ = unix.Read(w.evfd, b[:])
	w.mu.Lock()
	cmds := w.cmds
	w.cmds = nil
	w.mu.Unlock()
	for _, f := range cmds {
		f()
	}
}

// add registers a conn whose non-blocking connect is in progress.
func (w *worker) add(c *conn) {
	for c.fd >= len(w.byFD) {
		w.byFD = append(w.byFD, make([]*conn, len(w.byFD)+1024)...)
	}
	w.byFD[c.fd] = c
	w.nconns++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP, Fd: int32(c.fd)}
	c.outWait = true
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		c.fail(err)
	}
}

// remove forgets a conn that is being closed.
func (w *worker) remove(c *conn) {
	if c.fd < len(w.byFD) && w.byFD[c.fd] == c {
		w.byFD[c.fd] = nil
		w.nconns--
	}
	_ = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
}

// watchOut arms or disarms EPOLLOUT for c.
func (w *worker) watchOut(c *conn, on bool) {
	if c.outWait == on {
		return
	}
	c.outWait = on
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		c.fail(err)
	}
}

func nowNS() int64 { return time.Now().UnixNano() }

func (w *worker) loop() {
	defer close(w.done)
	for {
		timeout := -1
		if w.timerDue == 0 && w.pacer != nil {
			timeout = 0
		}
		n, err := unix.EpollWait(w.epfd, w.events, timeout)
		if err != nil && err != unix.EINTR {
			return
		}
		now := nowNS()
		for i := 0; i < n; i++ {
			ev := w.events[i]
			fd := int(ev.Fd)
			switch fd {
			case w.evfd:
				w.runCmds()
				now = nowNS()
				continue
			case w.tfd:
				var b [8]byte
				_, _ = unix.Read(w.tfd, b[:])
				w.timerDue = 0
				continue
			}
			if fd >= len(w.byFD) || w.byFD[fd] == nil {
				continue
			}
			c := w.byFD[fd]
			if c.state == stConnecting {
				c.onConnected()
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				c.flush()
			}
			if c.state != stClosed && ev.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP|unix.EPOLLRDHUP) != 0 {
				c.readOnce(now)
			}
		}
		if w.pacer != nil {
			w.pace(nowNS())
		}
		if n >= coalesceMin && w.g.cfg.Coalesce > 0 {
			// Busy: let frames pile up per socket so that one read takes
			// several (the server coalesces writes the same way).
			ts := unix.NsecToTimespec(int64(w.g.cfg.Coalesce))
			_ = unix.Nanosleep(&ts, nil)
		}
		if w.quit {
			w.closeAll()
			w.closeFDs()
			return
		}
	}
}

// closeAll resets every connection (SO_LINGER 0: no TIME_WAIT left on the
// generator's ports between runs).
func (w *worker) closeAll() {
	for _, c := range w.byFD {
		if c != nil {
			c.dialDone = nil
			c.fail(errServerClosed)
		}
	}
}

// failPending fails every conn still in set-up (dial timeout).
func (w *worker) failPending() {
	for _, c := range w.byFD {
		if c != nil && c.state < stReady {
			c.fail(errDialTimeout)
		}
	}
}

// armTimer wakes the loop at monotonic-equivalent wall time due.
func (w *worker) armTimer(due, now int64) {
	if w.timerDue == due {
		return
	}
	d := max(due-now, int64(minTimerSlack))
	w.timerDue = due
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d)}
	if err := unix.TimerfdSettime(w.tfd, 0, &spec, nil); err != nil {
		w.timerDue = 0
	}
}

// pacer sends a stream of events on a fixed schedule: message j is due at
// start + j·interval and goes out from senders[j mod len(senders)], stamped
// with its due time, however late the write actually happens.
type pacer struct {
	event    string
	senders  []*conn
	start    int64
	interval float64
	next     uint64
	count    uint64
}

// coalesceMin is the number of ready descriptors in one wake-up from which
// the loop pauses for Config.Coalesce before waiting again.
const coalesceMin = 64

// maxBurst bounds the sends done in one wake-up so reads are not starved
// when the schedule has fallen behind.
const maxBurst = 1024

func (w *worker) pace(now int64) {
	p := w.pacer
	size := w.g.cfg.PayloadBytes
	for sent := 0; p.next < p.count; sent++ {
		if sent > 0 && sent&63 == 0 {
			now = nowNS()
		}
		due := p.start + int64(float64(p.next)*p.interval)
		if due > now {
			w.armTimer(due, now)
			return
		}
		if sent == maxBurst {
			w.armTimer(now, now)
			return
		}
		c := p.senders[p.next%uint64(len(p.senders))]
		w.t.lag.Record(time.Duration(now - due))
		if p.event == "input" {
			c.sendInput(due)
		} else {
			w.pb = appendEvent(w.pb[:0], 0, p.event, c.room, due, p.next, c.id, size)
			w.t.countSent(due)
			c.sendText(w.pb)
		}
		p.next++
	}
	w.pacer = nil
}
