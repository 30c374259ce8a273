package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter"
)

// The subscription: one connection for every namespace (Node shares one
// subClient too), read by one goroutine that only routes each message to
// its namespace's queue. Each namespace has a worker that decodes and
// applies its messages one at a time, in the order Redis delivered them:
// a broadcast and then a join apply in that order.
//
// go-redis's PubSub reconnects by itself and resubscribes every channel
// and pattern it was given; the reader makes that visible: the first error
// marks the adapter disconnected (a log line, Health), the first message
// after it marks it reconnected.

const (
	// queueSize bounds a namespace's queue. When it is full the reader
	// waits, so Redis keeps the rest (up to its client-output-buffer-limit
	// for pub/sub) instead of this process.
	queueSize = 1024
	// pingInterval: an idle subscription is pinged this often, so that a
	// dead connection shows up as an error.
	pingInterval = 5 * time.Second
	// Backoff between reconnection attempts while Redis is away.
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// namespace is one namespace's channels and message queue.
type namespace struct {
	name string
	// channel is the broadcast channel, `${key}#${nsp}#`; a broadcast to one
	// room goes to `${channel}${room}#`, all read through pattern.
	channel, pattern string
	requestChannel   string
	responseChannel  string // shared by every server
	ownResponse      string // `${responseChannel}${uid}#`
	local            adapter.Local
	queue            chan *goredis.Message
}

// AddNamespace implements adapter.Adapter: it subscribes to the
// namespace's channels and returns once Redis has confirmed them (bounded
// by RequestsTimeout), so that what is published afterwards reaches this
// server. If Redis is away the error says so; the subscription is kept and
// made when the connection comes back.
func (a *Adapter) AddNamespace(nsp string) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	if a.local == nil {
		a.mu.Unlock()
		return errors.New("adapter/redis: AddNamespace before Attach")
	}
	if _, ok := a.namespaces[nsp]; ok {
		a.mu.Unlock()
		return nil
	}
	ns := &namespace{
		name:            nsp,
		channel:         a.opts.Key + "#" + nsp + "#",
		requestChannel:  a.requestChannel(nsp),
		responseChannel: a.opts.Key + "-response#" + nsp + "#",
		local:           a.local,
		queue:           make(chan *goredis.Message, queueSize),
	}
	ns.pattern = escapeGlob(ns.channel) + "*"
	ns.ownResponse = ns.responseChannel + a.uid + "#"
	a.namespaces[nsp] = ns
	channels := []string{ns.requestChannel, ns.responseChannel, ns.ownResponse}
	var confirmed []chan struct{}
	for _, ch := range channels {
		a.routes[ch] = ns
		confirmed = append(confirmed, a.expectSubscription("subscribe", ch))
	}
	a.routes[ns.pattern] = ns
	confirmed = append(confirmed, a.expectSubscription("psubscribe", ns.pattern))
	a.wg.Add(1)
	go a.work(ns)
	a.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	// go-redis keeps the channels even when the command fails, and
	// subscribes them again on every reconnection.
	err := errors.Join(a.ps.Subscribe(ctx, channels...), a.ps.PSubscribe(ctx, ns.pattern))
	if err == nil {
		for _, c := range confirmed {
			select {
			case <-c:
			case <-ctx.Done():
				err = ctx.Err()
			case <-a.done:
				return ErrClosed
			}
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("adapter/redis: subscribe namespace %s (retried on reconnection): %w", nsp, err)
	}
	return nil
}

// escapeGlob escapes what PSUBSCRIBE would read as a pattern, so a
// namespace such as "/a*" subscribes to its own channels only. Node does
// not escape; it filters by prefix on receipt, which is kept here too.
func escapeGlob(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// expectSubscription returns a channel closed when Redis confirms the
// subscription. Called with a.mu held.
func (a *Adapter) expectSubscription(kind, channel string) chan struct{} {
	c := make(chan struct{})
	a.subscribing[kind+" "+channel] = c
	return c
}

// read is the subscription's reader goroutine.
func (a *Adapter) read() {
	defer a.wg.Done()
	ctx := context.Background() // never cancelled: go-redis drops a connection whose read was cancelled
	backoff := minBackoff
	for {
		msg, err := a.ps.ReceiveTimeout(ctx, pingInterval)
		if err != nil {
			if a.isClosed() || errors.Is(err, goredis.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				a.ping()
				continue
			}
			a.lost(err)
			if !a.wait(backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		a.regained()
		switch m := msg.(type) {
		case *goredis.Message:
			a.route(m)
		case *goredis.Subscription:
			a.subscribed(m)
		}
	}
}

// ping checks an idle subscription; a failed write makes go-redis
// reconnect, a dead connection fails the next read.
func (a *Adapter) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if err := a.ps.Ping(ctx); err != nil {
		a.log.Debug().Err(err).Msg("redis subscription ping failed")
	}
}

// wait waits d, or less when the adapter closes (false).
func (a *Adapter) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.done:
		return false
	}
}

func (a *Adapter) lost(err error) {
	if a.connected.CompareAndSwap(true, false) {
		a.lostAt.Store(time.Now().UnixNano())
		a.log.Warn().Str("addr", a.addr).Err(err).Msg("redis connection lost: local delivery goes on, cluster requests fail until it is back")
	}
}

func (a *Adapter) regained() {
	if a.connected.CompareAndSwap(false, true) {
		n := a.reconnects.Add(1)
		a.log.Info().Str("addr", a.addr).Uint64("reconnects", n).
			Dur("down", time.Since(time.Unix(0, a.lostAt.Load()))).
			Msg("redis connection regained: subscriptions restored")
	}
}

// subscribed wakes AddNamespace when Redis confirms a subscription (after a
// reconnection the confirmations come again, for nobody).
func (a *Adapter) subscribed(s *goredis.Subscription) {
	a.log.Debug().Str("kind", s.Kind).Str("channel", s.Channel).Msg("redis subscription confirmed")
	a.mu.Lock()
	key := s.Kind + " " + s.Channel
	if c, ok := a.subscribing[key]; ok {
		delete(a.subscribing, key)
		close(c)
	}
	a.mu.Unlock()
}

// route queues a message for its namespace's worker.
func (a *Adapter) route(m *goredis.Message) {
	key := m.Channel
	if m.Pattern != "" {
		key = m.Pattern
	}
	a.mu.Lock()
	ns := a.routes[key]
	a.mu.Unlock()
	if ns == nil {
		a.log.Debug().Str("channel", m.Channel).Msg("ignoring message of an unknown channel")
		return
	}
	select {
	case ns.queue <- m:
	case <-a.done:
	}
}

// work applies a namespace's messages in order.
func (a *Adapter) work(ns *namespace) {
	defer a.wg.Done()
	for {
		select {
		case m := <-ns.queue:
			a.handle(ns, m)
		case <-a.done:
			return
		}
	}
}
