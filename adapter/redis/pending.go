package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/actorio/actorio/adapter"
)

// pending is a request that waits for one answer from each other server
// (REMOTE_FETCH, ALL_ROOMS, SERVER_SIDE_EMIT with an ack). Its answers are
// added by its namespace's worker, under the adapter's lock.
type pending struct {
	typ     requestType
	want    int // the other servers, as PUBSUB NUMSUB counted them
	got     int
	sockets []adapter.SocketInfo
	rooms   []string
	answers []adapter.Args
	done    chan struct{} // closed once every answer came, or at Close
	once    sync.Once
}

func (p *pending) finish() { p.once.Do(func() { close(p.done) }) }

// request publishes a request for the other servers of a namespace and
// waits for their answers: until every one answered, RequestsTimeout
// passes, ctx ends or the adapter closes. want is how many answers to wait
// for. On a timeout the error says how many came; p holds them.
func (a *Adapter) request(ctx context.Context, ns *namespace, id string, p *pending, msg []byte) error {
	p.done = make(chan struct{})
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.pending[id] = p
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.pending, id)
		a.mu.Unlock()
	}()
	if err := a.publish(ctx, ns.requestChannel, msg); err != nil {
		return err
	}
	timer := time.NewTimer(a.opts.RequestsTimeout)
	defer timer.Stop()
	var why error
	select {
	case <-p.done:
		if a.isClosed() {
			return ErrClosed
		}
		return nil
	case <-timer.C:
		why = fmt.Errorf("requests timeout %v", a.opts.RequestsTimeout)
	case <-ctx.Done():
		why = ctx.Err()
	case <-a.done:
		return ErrClosed
	}
	a.mu.Lock()
	got := p.got
	a.mu.Unlock()
	return fmt.Errorf("adapter/redis: %s in %s: timeout reached: only %d responses received out of %d: %w", p.typ, ns.name, got, p.want, why)
}

// broadcastAckWait is a broadcast with acks this server sent: each other
// server reports its client count, then each client's answer.
type broadcastAckWait struct {
	clientCount func(int)
	ack         func(adapter.Args)
	format      adapter.Format
	servers     int // other servers that have not reported their count yet
	clients     int // answers still expected, once every count came
	counted     chan struct{}
	countedOnce sync.Once
	release     func() bool // stops the cleanup at ctx's end
}

func (w *broadcastAckWait) stop() {
	w.countedOnce.Do(func() { close(w.counted) })
	if w.release != nil {
		w.release()
	}
}

// dropAck forgets a broadcast with acks: later answers are ignored.
func (a *Adapter) dropAck(id string) {
	a.mu.Lock()
	w, ok := a.acks[id]
	delete(a.acks, id)
	a.mu.Unlock()
	if ok {
		w.stop()
	}
}
