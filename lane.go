package actorio

import (
	"sync"

	"github.com/actorio/actorio/transport"
)

// lane runs one socket's user code (middleware, event handlers, ack
// callbacks) one function at a time, in order, on a goroutine that exists
// only while there is work. User code never runs on an actor, so a handler
// may block (emitWithAck, I/O) without stalling the session that has to
// process the answer it waits for.
//
// Work a client's packet caused holds that packet's inbound credit until it
// has run (runHolding), so what waits on lanes counts in the session's
// inbound backlog and a client cannot queue handlers without limit.
type lane struct {
	mu      sync.Mutex
	queue   []laneTask
	running bool
}

type laneTask struct {
	f      func()
	credit transport.Credit // released once f has run
}

func (l *lane) run(f func()) { l.runHolding(f, transport.Credit{}) }

// runHolding queues f, which owns credit from now on: the lane releases it
// after f returns.
func (l *lane) runHolding(f func(), credit transport.Credit) {
	l.mu.Lock()
	l.queue = append(l.queue, laneTask{f: f, credit: credit})
	if l.running {
		l.mu.Unlock()
		return
	}
	l.running = true
	l.mu.Unlock()
	go l.drain()
}

func (l *lane) drain() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			l.queue = nil
			l.mu.Unlock()
			return
		}
		t := l.queue[0]
		l.queue[0] = laneTask{}
		l.queue = l.queue[1:]
		l.mu.Unlock()
		t.f()
		t.credit.Release()
	}
}
