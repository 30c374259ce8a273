package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio/adapter"
)

// Link is an adapter's connection state, reported by the loops that use the
// broker (a subscriber, a stream reader): it is down while any of them is,
// and logs one line when it is lost and one when it is regained.
type Link struct {
	log zerolog.Logger

	mu         sync.Mutex
	down       map[string]error // loops that cannot reach the broker
	lostAt     time.Time
	reconnects uint64
}

// NewLink returns a connected Link that logs with log (component "adapter"
// is the caller's to set).
func NewLink(log zerolog.Logger) *Link {
	return &Link{log: log, down: map[string]error{}}
}

// Down records that loop cannot reach the broker.
func (l *Link) Down(loop string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, already := l.down[loop]; already {
		return
	}
	l.down[loop] = err
	if len(l.down) == 1 {
		l.lostAt = time.Now()
		l.log.Warn().Str("loop", loop).Err(err).Msg("cluster connection lost: local delivery goes on, cluster requests fail until it is back")
	}
}

// Up records that loop reaches the broker again.
func (l *Link) Up(loop string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, was := l.down[loop]; !was {
		return
	}
	delete(l.down, loop)
	if len(l.down) == 0 {
		l.reconnects++
		l.log.Info().Dur("down", time.Since(l.lostAt)).Msg("cluster connection regained")
	}
}

// ErrDisconnected is returned, at once, by what would have to reach the
// broker while the Link is down: a caller does not wait for a connection
// that is known to be lost.
var ErrDisconnected = errors.New("cluster: not connected to the broker")

// Err is nil while connected, else ErrDisconnected with a reason.
func (l *Link) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for loop, err := range l.down {
		return fmt.Errorf("%w (%s: %v)", ErrDisconnected, loop, err)
	}
	return nil
}

// Health is the state for adapter.HealthReporter.
func (l *Link) Health(publishErrors uint64) adapter.Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return adapter.Health{Connected: len(l.down) == 0, Reconnects: l.reconnects, PublishErrors: publishErrors}
}

// Backoff is the wait between two attempts to reach the broker: doubling
// from Min to Max.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Wait sleeps for the next delay, or until ctx ends; it reports whether
// the delay passed.
func (b *Backoff) Wait(ctx context.Context) bool {
	if b.next == 0 {
		b.next = b.Min
	}
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, b.Max)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Reset starts the delays again from Min.
func (b *Backoff) Reset() { b.next = 0 }
