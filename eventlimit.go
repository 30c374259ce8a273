package actorio

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/internal/ratelimit"
	"github.com/actorio/actorio/protocol/sio"
)

// EventLimit limits the events each socket may send. The zero value
// limits nothing, as Node, which has no built-in limit (Node deployments
// count events in a socket.use middleware, often with the npm package
// rate-limiter-flexible, and call next(err) or socket.disconnect()).
type EventLimit struct {
	// Rate is how many events one socket may send: Burst at once, then
	// Count per Interval. Zero Count: no limit.
	Rate RateLimit
	// Action is what happens to an event over the limit. The zero value,
	// EventLimitRefuse, refuses the event.
	Action EventLimitAction
}

// EventLimitAction is what happens to an event over EventLimit. Node has
// none: its deployments choose in their middleware (next(err), or
// socket.disconnect()).
type EventLimitAction int

const (
	// EventLimitRefuse drops the event: its handlers do not run, the
	// socket's OnError listeners get an *EventRateLimitError, and an event
	// that asked for an acknowledgement is answered with one argument,
	// {"error":"event rate limit exceeded","retryAfterMs":N}, so the
	// client's callback (or emitWithAck) learns of it at once.
	EventLimitRefuse EventLimitAction = iota
	// EventLimitDisconnect disconnects the socket, with the reason
	// DisconnectEventRateLimit (the client gets a DISCONNECT packet: its
	// reason is "io server disconnect", after which it does not reconnect
	// by itself).
	EventLimitDisconnect
)

// DisconnectEventRateLimit is the disconnect reason of a socket
// disconnected by EventLimitDisconnect. Node has no such reason: a Node
// server's socket.disconnect() gives "server namespace disconnect".
const DisconnectEventRateLimit = "event rate limit exceeded"

// EventRateLimitError is what the OnError listeners get for an event
// refused by EventLimit: Node's equivalent is the error a rate-limiting
// socket.use middleware passes to next(), which reaches socket.on("error").
type EventRateLimitError struct {
	Event      string        // the event's name
	RetryAfter time.Duration // until the socket may send its next event
}

func (e *EventRateLimitError) Error() string {
	return fmt.Sprintf("actorio: event %q refused: event rate limit exceeded (next in %v)", e.Event, e.RetryAfter.Round(time.Millisecond))
}

// eventRateAck is the acknowledgement of a refused event.
type eventRateAck struct {
	Error        string `json:"error"`
	RetryAfterMs int64  `json:"retryAfterMs"`
}

// eventLimiter applies EventLimit; nil when it is off, so the per-packet
// cost of an unused limit is one nil check.
type eventLimiter struct {
	rate         ratelimit.Rate
	action       EventLimitAction
	refused      atomic.Uint64
	disconnected atomic.Uint64
}

func newEventLimiter(l EventLimit) *eventLimiter {
	if l.Rate.Count <= 0 {
		return nil
	}
	return &eventLimiter{rate: l.Rate.rate(), action: l.Action}
}

// socketEvents is one socket's bucket, in its session actor.
type socketEvents struct {
	bucket ratelimit.Bucket
	warned bool // the first refusal is logged at warn, the next at debug
}

// allow takes one of s's tokens for the event p (named name). Refused, it
// has done what Action says, and owns credit (held until the error
// listeners have run, so a client over its limit cannot queue them
// without bound). Session actor only.
func (l *eventLimiter) allow(c *client, s *Socket, name string, p *sio.Packet, credit InboundCredit) bool {
	if s.events == nil {
		s.events = &socketEvents{}
	}
	ok, retry := s.events.bucket.Take(l.rate, time.Now())
	if ok {
		return true
	}
	log := c.srv.opts.Logger.Debug()
	if !s.events.warned {
		s.events.warned = true
		log = c.srv.opts.Logger.Warn()
	}
	if l.action == EventLimitDisconnect {
		l.disconnected.Add(1)
		log.Str("sid", s.id).Str("nsp", s.nsp.name).Str("event", name).Msg("event rate limit exceeded: socket disconnected")
		credit.Release()
		c.send(&sio.Packet{Type: sio.Disconnect, Namespace: s.nsp.name})
		c.disconnect(s, DisconnectEventRateLimit)
		return false
	}
	l.refused.Add(1)
	log.Str("sid", s.id).Str("nsp", s.nsp.name).Str("event", name).Msg("event rate limit exceeded: event refused")
	if p.HasID {
		data, atts, err := c.srv.codec.encode("", []any{eventRateAck{Error: "event rate limit exceeded", RetryAfterMs: retry.Milliseconds()}})
		if err == nil {
			c.send(&sio.Packet{Type: sio.Ack, Namespace: s.nsp.name, ID: p.ID, HasID: true, Data: data, Attachments: atts})
		}
	}
	err := &EventRateLimitError{Event: name, RetryAfter: retry}
	s.lane.runHolding(func() { s.reportError(err) }, credit)
	return false
}
