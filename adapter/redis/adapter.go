package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/debugenv"
)

// Options configures an Adapter. A nil *Options means defaults; every zero
// field means its documented default, as in Node's createAdapter.
type Options struct {
	// Key prefixes every channel. Empty means "socket.io", as Node.
	Key string
	// RequestsTimeout bounds a cluster request (fetchSockets, allRooms,
	// serverSideEmitWithAck, the client counts of a broadcast with acks).
	// Zero means 5s, as Node.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel sends each response on the
	// requester's own channel instead of the namespace's shared one, as
	// Node's option of that name (default false).
	PublishOnSpecificResponseChannel bool
	// Logger receives the adapter's logs (component "adapter"). The zero
	// value logs nothing. DEBUG=socket.io-redis (Node's debug namespace;
	// also socket.io-adapter, actorio:adapter) puts it at trace.
	Logger zerolog.Logger
}

// commandTimeout bounds one Redis command (a PUBLISH, a PUBSUB NUMSUB), so
// that an emitter never waits long on a Redis that is gone: local delivery
// has happened already, and the error says the cluster missed it. While the
// subscription is down the bound is outageTimeout: enough for a Redis that
// is in fact back, short enough that a server emitting in a loop is not
// slowed to one message a second.
const (
	commandTimeout = time.Second
	outageTimeout  = 100 * time.Millisecond
)

// commandContext bounds one command.
func (a *Adapter) commandContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.connected.Load() {
		return context.WithTimeout(ctx, commandTimeout)
	}
	return context.WithTimeout(ctx, outageTimeout)
}

// ErrClosed is returned by the methods of a closed Adapter, and by the
// requests that were waiting when it closed.
var ErrClosed = errors.New("adapter/redis: adapter closed")

// Adapter is an adapter.Adapter over Redis pub/sub in the wire format of
// npm @socket.io/redis-adapter 8.3 (createAdapter). Create it with New.
type Adapter struct {
	client goredis.UniversalClient
	ps     *goredis.PubSub
	opts   Options
	uid    string
	addr   string
	log    zerolog.Logger

	mu          sync.Mutex
	local       adapter.Local
	namespaces  map[string]*namespace
	routes      map[string]*namespace        // channel or pattern → its namespace
	subscribing map[string]chan struct{}     // "kind channel" → closed when Redis confirms
	pending     map[string]*pending          // requestId → a request waiting for answers
	acks        map[string]*broadcastAckWait // requestId → a broadcast with acks
	closed      bool

	done chan struct{}
	wg   sync.WaitGroup

	connected     atomic.Bool
	reconnects    atomic.Uint64
	publishErrors atomic.Uint64
	lostAt        atomic.Int64 // unix nanoseconds of the last loss
}

var (
	_ adapter.Adapter        = (*Adapter)(nil)
	_ adapter.HealthReporter = (*Adapter)(nil)
)

// New checks that Redis answers (PING, bounded by ctx) and returns an
// adapter that publishes with client and subscribes on a connection of its
// own. The client stays the caller's: Close does not close it.
func New(ctx context.Context, client goredis.UniversalClient, opts *Options) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	a := &Adapter{
		client:      client,
		opts:        o,
		uid:         newID(),
		addr:        address(client),
		log:         debugenv.Logger(o.Logger, debugenv.Adapter),
		namespaces:  map[string]*namespace{},
		routes:      map[string]*namespace{},
		subscribing: map[string]chan struct{}{},
		pending:     map[string]*pending{},
		acks:        map[string]*broadcastAckWait{},
		done:        make(chan struct{}),
	}
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("adapter/redis: Redis at %s is unreachable: %w", a.addr, err)
	}
	a.connected.Store(true)
	a.ps = client.Subscribe(context.Background()) // connects on first use, in read
	a.wg.Add(1)
	go a.read()
	return a, nil
}

// address names the client's Redis for errors and logs.
func address(c goredis.UniversalClient) string {
	switch c := c.(type) {
	case *goredis.Client:
		return c.Options().Addr
	case *goredis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	case *goredis.Ring:
		var addrs []string
		for _, addr := range c.Options().Addrs {
			addrs = append(addrs, addr)
		}
		return strings.Join(addrs, ",")
	}
	return fmt.Sprint(c)
}

// newID is a uid2(6): six characters of [A-Za-z0-9], as Node's server uids
// and request ids.
func newID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return string(b[:])
}

// UID is this server's id in the cluster: the uid of what it publishes.
func (a *Adapter) UID() string { return a.uid }

// Attach implements adapter.Adapter.
func (a *Adapter) Attach(local adapter.Local) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.local != nil {
		return errors.New("adapter/redis: attached twice")
	}
	a.local = local
	return nil
}

// Health implements adapter.HealthReporter.
func (a *Adapter) Health() adapter.Health {
	return adapter.Health{
		Connected:     a.connected.Load(),
		Reconnects:    a.reconnects.Load(),
		PublishErrors: a.publishErrors.Load(),
	}
}

// ServerCount implements adapter.Adapter: how many servers subscribe to the
// main namespace's request channel, this one included, as Node's
// serverCount (PUBSUB NUMSUB).
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	return a.serverCount(ctx, a.requestChannel("/"))
}

func (a *Adapter) requestChannel(nsp string) string {
	return a.opts.Key + "-request#" + nsp + "#"
}

// serverCount is PUBSUB NUMSUB of channel, summed over a cluster's masters
// as Node's util.PUBSUB does.
func (a *Adapter) serverCount(ctx context.Context, channel string) (int, error) {
	if a.isClosed() {
		return 0, ErrClosed
	}
	ctx, cancel := a.commandContext(ctx)
	defer cancel()
	var n atomic.Int64
	var err error
	if cc, ok := a.client.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			m, err := c.PubSubNumSub(ctx, channel).Result()
			n.Add(m[channel])
			return err
		})
	} else {
		var m map[string]int64
		m, err = a.client.PubSubNumSub(ctx, channel).Result()
		n.Store(m[channel])
	}
	if err != nil {
		return 0, fmt.Errorf("adapter/redis: server count (PUBSUB NUMSUB %s): %w", channel, err)
	}
	return int(n.Load()), nil
}

// publish sends one message, bounded by commandTimeout.
func (a *Adapter) publish(ctx context.Context, channel string, msg []byte) error {
	if a.isClosed() {
		return ErrClosed
	}
	ctx, cancel := a.commandContext(ctx)
	defer cancel()
	if err := a.client.Publish(ctx, channel, msg).Err(); err != nil {
		a.publishErrors.Add(1)
		return fmt.Errorf("adapter/redis: publish to %s: %w", channel, err)
	}
	return nil
}

func (a *Adapter) isClosed() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// Close implements adapter.Adapter: it leaves the cluster (the
// subscription connection closes, so the other servers count one less),
// stops every goroutine of the adapter and fails the requests still
// waiting with ErrClosed. The Redis client is left open.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.done)
	for id, p := range a.pending {
		delete(a.pending, id)
		p.finish()
	}
	for id, w := range a.acks {
		delete(a.acks, id)
		w.stop()
	}
	a.mu.Unlock()
	err := a.ps.Close()
	a.wg.Wait()
	if err != nil && !errors.Is(err, goredis.ErrClosed) {
		return fmt.Errorf("adapter/redis: close subscription: %w", err)
	}
	return nil
}
