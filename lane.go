package actorio

import (
	"sync"

	"github.com/actorio/actorio/internal/workers"
	"github.com/actorio/actorio/transport"
)

// lane runs one socket's user code (middleware, event handlers, ack
// callbacks) one function at a time, in order, on a goroutine that it has
// only while there is work: a worker of the server's pool (use) when one
// is parked, else a new goroutine. A lane blocked in a handler holds its
// worker, so other lanes take other workers. User code never runs on an
// actor, so a handler may block (emitWithAck, I/O) without stalling the
// session that has to process the answer it waits for.
//
// Work a client's packet caused holds that packet's inbound credit until it
// has run (runHolding), so what waits on lanes counts in the session's
// inbound backlog and a client cannot queue handlers without limit.
type lane struct {
	mu      sync.Mutex
	queue   []laneTask // queue[head:] waits; a small array is kept when it empties
	head    int
	running bool
	shut    bool          // takes no more direct events (shutWith)
	pool    *workers.Pool // nil: a new goroutine per burst
}

// laneKeep is the largest queue array a lane keeps once its queue is
// empty: one event per burst (the common case) then costs no allocation,
// and an idle socket holds at most this many empty tasks.
const laneKeep = 2

type laneTask struct {
	f      func()
	credit transport.Credit // released once f has run
}

// use makes the lane run its bursts on pool's workers. Call it before the
// lane is shared.
func (l *lane) use(pool *workers.Pool) { l.pool = pool }

func (l *lane) run(f func()) { l.runHolding(f, transport.Credit{}) }

// runHolding queues f, which owns credit from now on: the lane releases it
// after f returns.
func (l *lane) runHolding(f func(), credit transport.Credit) {
	l.mu.Lock()
	l.pushLocked(f, credit)
}

// runIfOpen is runHolding for an event taken on the short path (direct.go):
// it queues f unless the socket's disconnect has been queued (shutWith),
// and reports whether it did; if not, credit is still the caller's.
func (l *lane) runIfOpen(f func(), credit transport.Credit) bool {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		return false
	}
	l.pushLocked(f, credit)
	return true
}

// runBounded queues f unless limit tasks already wait; false: refused.
func (l *lane) runBounded(f func(), limit int) bool {
	l.mu.Lock()
	if len(l.queue)-l.head >= limit {
		l.mu.Unlock()
		return false
	}
	l.pushLocked(f, transport.Credit{})
	return true
}

// shutWith queues the socket's disconnect, f, and refuses direct events from
// then on, in one step: an event the short path took runs before the
// disconnect's handlers, as one the session dispatched before it would.
func (l *lane) shutWith(f func(), credit transport.Credit) {
	l.mu.Lock()
	l.shut = true
	l.pushLocked(f, credit)
}

// pushLocked queues f and starts a burst unless one runs; l.mu is held, and
// unlocked on return.
func (l *lane) pushLocked(f func(), credit transport.Credit) {
	if l.head > 0 && len(l.queue) == cap(l.queue) {
		// Full: move what waits to the front rather than grow the array
		// with the tasks already run.
		n := copy(l.queue, l.queue[l.head:])
		clear(l.queue[n:])
		l.queue, l.head = l.queue[:n], 0
	}
	l.queue = append(l.queue, laneTask{f: f, credit: credit})
	if l.running {
		l.mu.Unlock()
		return
	}
	l.running = true
	l.mu.Unlock()
	if l.pool != nil {
		l.pool.Go(l) // a pointer: no allocation per burst
		return
	}
	go l.Run()
}

// Run (workers.Task) runs the queued tasks until the queue is empty.
func (l *lane) Run() {
	for {
		l.mu.Lock()
		if l.head == len(l.queue) {
			l.running = false
			l.queue, l.head = l.queue[:0], 0
			if cap(l.queue) > laneKeep {
				l.queue = nil
			}
			l.mu.Unlock()
			return
		}
		t := l.queue[l.head]
		l.queue[l.head] = laneTask{}
		l.head++
		l.mu.Unlock()
		t.f()
		t.credit.Release()
	}
}
