package actorio

import "sync"

// lane runs one socket's user code (middleware, event handlers, ack
// callbacks) one function at a time, in order, on a goroutine that exists
// only while there is work. User code never runs on an actor, so a handler
// may block (emitWithAck, I/O) without stalling the session that has to
// process the answer it waits for.
type lane struct {
	mu      sync.Mutex
	queue   []func()
	running bool
}

func (l *lane) run(f func()) {
	l.mu.Lock()
	l.queue = append(l.queue, f)
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
		f := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.mu.Unlock()
		f()
	}
}
