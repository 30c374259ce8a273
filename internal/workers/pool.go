package workers

import (
	"sync"
	"time"
)

// Pool keeps up to MaxIdle parked workers. The zero value is not usable:
// use New.
type Pool struct {
	maxIdle  int
	idleTime time.Duration

	mu     sync.Mutex
	idle   []*worker   // parked, longest parked first (a stack: the last parked runs next)
	reaper *time.Timer // armed while a worker is parked; made on first park
	armed  bool
	closed bool
	// tick counts the reaper's rounds, one per idleTime: a worker records
	// the tick it parked in, where a clock reading would cost each park
	// more than the rest of it (2% of the echo benchmark's CPU).
	tick uint64
}

// Task is a burst of work. A pointer or a func implements it without an
// allocation when handed over, so a caller can pass the same value for
// every burst (a lane passes itself).
type Task interface{ Run() }

// Func is a func as a Task.
type Func func()

// Run calls f.
func (f Func) Run() { f() }

// worker is one parked goroutine: it waits for its next task on work, a
// nil task telling it to exit.
type worker struct {
	work   chan Task // capacity 1: handing over never blocks
	parked uint64    // the reaper's tick when it parked
}

// New returns a pool keeping at most maxIdle workers parked, each for
// between idleTime and twice that (then it exits). maxIdle <= 0 keeps
// none: Go is then go f().
func New(maxIdle int, idleTime time.Duration) *Pool {
	return &Pool{maxIdle: maxIdle, idleTime: idleTime}
}

// Go runs t on a parked worker, or on a new goroutine when none is parked.
// It never blocks. A nil t is not allowed.
func (p *Pool) Go(t Task) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.work <- t
		return
	}
	p.mu.Unlock()
	go p.run(&worker{work: make(chan Task, 1)}, t)
}

// run is a worker's life: t, then park and run what it is handed, until
// it is dismissed or there is no room to park.
func (p *Pool) run(w *worker, t Task) {
	for t != nil {
		t.Run()
		if !p.park(w) {
			return
		}
		t = <-w.work
	}
}

// park puts w on the idle stack, unless the pool is closed or full.
func (p *Pool) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.maxIdle {
		return false
	}
	w.parked = p.tick
	p.idle = append(p.idle, w)
	if !p.armed {
		p.armed = true
		if p.reaper == nil {
			p.reaper = time.AfterFunc(p.idleTime, p.reap)
		} else {
			p.reaper.Reset(p.idleTime)
		}
	}
	return true
}

// reap dismisses the workers that were parked before its last round (the
// front of the stack), so for idleTime or more, and re-arms while some are
// left.
func (p *Pool) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	n := 0
	for n < len(p.idle) && p.idle[n].parked < p.tick {
		p.idle[n].work <- nil
		n++
	}
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	p.tick++
	if rest == 0 {
		p.armed = false
		return
	}
	p.reaper.Reset(p.idleTime)
}

// Idle is the number of parked workers.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// Close dismisses every parked worker; from then on no worker parks, and
// Go still runs its task (on a goroutine of its own).
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.idle {
		w.work <- nil
	}
	clear(p.idle)
	p.idle = nil
	if p.reaper != nil {
		p.reaper.Stop()
	}
	p.armed = false
}

// Dispatcher is a protoactor dispatcher (actor.Dispatcher) that runs
// mailboxes on a pool.
type Dispatcher struct {
	pool       *Pool
	throughput int
}

// Dispatcher returns a dispatcher running mailboxes on p, each handling at
// most throughput messages before it yields.
func (p *Pool) Dispatcher(throughput int) Dispatcher {
	return Dispatcher{pool: p, throughput: throughput}
}

// Schedule runs fn on the pool.
func (d Dispatcher) Schedule(fn func()) { d.pool.Go(Func(fn)) }

// Throughput is the messages a mailbox handles before it yields.
func (d Dispatcher) Throughput() int { return d.throughput }
