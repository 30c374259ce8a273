package actorio

import (
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/internal/ratelimit"
	"github.com/actorio/actorio/transport"
	"github.com/rs/zerolog"
)

// RateLimit is a token bucket: Burst at once, then Count per Interval.
// The zero value limits nothing. Node has no built-in limits: Node
// deployments use a package such as rate-limiter-flexible in
// allowRequest (connections) or in a socket.use middleware (events).
type RateLimit struct {
	// Count is how many are allowed per Interval. Zero: no limit.
	Count int
	// Interval is the refill period. Zero means 1s.
	Interval time.Duration
	// Burst is the bucket's size: how many may come at once after a quiet
	// time. Zero means Count.
	Burst int
}

func (r RateLimit) rate() ratelimit.Rate { return ratelimit.NewRate(r.Count, r.Interval, r.Burst) }

// ConnLimits cap the connections a server accepts. Each is off at its
// zero value, as Node has none built in (Node deployments refuse in
// allowRequest, or cap in the reverse proxy). A refused handshake gets an
// Engine.IO error ({"code":4,"message":...}, the shape of an allowRequest
// refusal) before any session is created, is logged ("connection refused",
// at most once a second per reason) and counted
// (actorio_connections_refused_total{reason}).
type ConnLimits struct {
	// Rate limits new connections per client address: past it, 429 "Too
	// many connection attempts" with Retry-After.
	Rate RateLimit
	// PerAddress caps the open connections of one client address: past
	// it, 429 "Too many connections from this address". Zero: no cap.
	PerAddress int
	// Total caps the open connections of the server: past it, 503 "Server
	// full". Zero: no cap.
	Total int
	// MaxAddresses bounds the client addresses tracked for Rate and
	// PerAddress (about 250 bytes each), so that a flood from ever new
	// addresses costs bounded memory: idle addresses are forgotten as the
	// table fills. While every tracked address holds an open connection a
	// new address is refused (503 "Too many client addresses"): set it
	// above the addresses expected to be connected at once. Zero means
	// 65536.
	MaxAddresses int
	// IPv6Prefix groups IPv6 clients by network: one host commonly holds a
	// whole /64 and can cycle through it. Zero means 64; 128 counts each
	// address apart.
	IPv6Prefix int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: a connection from one of them counts against the client
	// address it names (the right-most address that is not a trusted
	// proxy). Nil: the peer's address always (as Node's
	// handshake.address; Node deployments read X-Forwarded-For themselves
	// or set Express's "trust proxy"). ParseTrustedProxies reads them.
	TrustedProxies []netip.Prefix
}

// DefaultMaxAddresses is ConnLimits.MaxAddresses's default. Node has no
// such table (rate-limiter-flexible's memory store is unbounded; Node
// deployments bound it with a Redis store's expiry).
const DefaultMaxAddresses = 65536

func (l ConnLimits) on() bool { return l.Rate.Count > 0 || l.PerAddress > 0 || l.Total > 0 }

// Refusal reasons, the label of actorio_connections_refused_total.
const (
	refusedRate      = "rate"
	refusedAddress   = "per_address"
	refusedTotal     = "total"
	refusedAddresses = "addresses"
	refusedOrigin    = "origin"
)

var refusalReasons = []string{refusedRate, refusedAddress, refusedTotal, refusedAddresses, refusedOrigin}

// connRefusal is a refused handshake: a transport.RefusedError with a
// Retry-After.
type connRefusal struct {
	transport.RefusedError
	retry time.Duration
}

func (r *connRefusal) Unwrap() error             { return &r.RefusedError }
func (r *connRefusal) RetryAfter() time.Duration { return r.retry }

// admission enforces ConnLimits at each handshake, and keeps the refusal
// counts of every handshake refusal the Engine makes.
type admission struct {
	lim     ConnLimits
	table   *ratelimit.Table // nil without Rate and PerAddress
	open    atomic.Int64     // admitted connections not yet released
	refused map[string]*atomic.Uint64
	logs    map[string]*refusalLog
	log     zerolog.Logger
}

func newAdmission(lim ConnLimits, log zerolog.Logger) *admission {
	a := &admission{lim: lim, log: log, refused: map[string]*atomic.Uint64{}, logs: map[string]*refusalLog{}}
	for _, r := range refusalReasons {
		a.refused[r], a.logs[r] = new(atomic.Uint64), new(refusalLog)
	}
	if lim.Rate.Count > 0 || lim.PerAddress > 0 {
		if a.lim.MaxAddresses <= 0 {
			a.lim.MaxAddresses = DefaultMaxAddresses
		}
		a.table = ratelimit.NewTable(ratelimit.Limits{Rate: lim.Rate.rate(), PerKey: lim.PerAddress, MaxKeys: a.lim.MaxAddresses})
	}
	if a.lim.IPv6Prefix <= 0 || a.lim.IPv6Prefix > 128 {
		a.lim.IPv6Prefix = 64
	}
	return a
}

// admit is the transport's Admitter.
func (a *admission) admit(r *http.Request) (func(), error) {
	addr := clientAddr(r, a.lim.TrustedProxies)
	var ticket *ratelimit.Ticket
	if a.table != nil {
		key := addr
		if key.Is6() {
			key = netip.PrefixFrom(key, a.lim.IPv6Prefix).Masked().Addr()
		}
		var why ratelimit.Refusal
		var retry time.Duration
		ticket, why, retry = a.table.Admit(key, time.Now())
		switch why {
		case ratelimit.RateExceeded:
			return nil, a.refuse(r, addr, refusedRate, http.StatusTooManyRequests, "Too many connection attempts from this address, retry later", retry)
		case ratelimit.PerKeyExceeded:
			return nil, a.refuse(r, addr, refusedAddress, http.StatusTooManyRequests, "Too many connections from this address", 0)
		case ratelimit.TableFull:
			return nil, a.refuse(r, addr, refusedAddresses, http.StatusServiceUnavailable, "Too many client addresses, retry later", time.Second)
		}
	}
	if a.lim.Total > 0 {
		if n := a.open.Add(1); n > int64(a.lim.Total) {
			a.open.Add(-1)
			ticket.Release()
			return nil, a.refuse(r, addr, refusedTotal, http.StatusServiceUnavailable, "Server full, retry later", time.Second)
		}
	}
	var done atomic.Bool
	return func() {
		if !done.CompareAndSwap(false, true) {
			return
		}
		if a.lim.Total > 0 {
			a.open.Add(-1)
		}
		ticket.Release()
	}, nil
}

func (a *admission) refuse(r *http.Request, addr netip.Addr, reason string, status int, msg string, retry time.Duration) error {
	a.refused[reason].Add(1)
	a.logRefusal(r, addr, reason, status, msg)
	return &connRefusal{RefusedError: transport.RefusedError{Status: status, Message: msg}, retry: retry}
}

// originRefused is told by the transport of a WebSocket refused for its
// Origin.
func (a *admission) originRefused(r *http.Request) {
	a.refused[refusedOrigin].Add(1)
	a.logRefusal(r, clientAddr(r, a.lim.TrustedProxies), refusedOrigin, http.StatusForbidden, transport.OriginRefusedMessage)
}

// logRefusal logs a refusal at warn level, at most once a second per
// reason (a flood must not flood the log too); the line says how many
// were not logged since the last.
func (a *admission) logRefusal(r *http.Request, addr netip.Addr, reason string, status int, msg string) {
	suppressed, ok := a.logs[reason].allow(time.Now())
	if !ok {
		return
	}
	ev := a.log.Warn().Str("reason", reason).Int("status", status).Str("message", msg).Stringer("address", addr).Uint64("suppressed", suppressed)
	if o := r.Header.Get("Origin"); o != "" {
		ev = ev.Str("origin", o)
	}
	ev.Msg("connection refused")
}

// refusalLog lets one line a second through and counts the others.
type refusalLog struct {
	next       atomic.Int64 // unix nanoseconds of the next line allowed
	suppressed atomic.Uint64
}

func (l *refusalLog) allow(now time.Time) (suppressed uint64, ok bool) {
	next := l.next.Load()
	if now.UnixNano() < next || !l.next.CompareAndSwap(next, now.Add(time.Second).UnixNano()) {
		l.suppressed.Add(1)
		return 0, false
	}
	return l.suppressed.Swap(0), true
}

// tracked is how many client addresses the limits remember.
func (a *admission) tracked() int {
	if a.table == nil {
		return 0
	}
	return a.table.Len()
}
