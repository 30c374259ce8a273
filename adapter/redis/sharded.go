package redis

// The sharded variant: npm @socket.io/redis-adapter's createShardedAdapter
// (lib/sharded-adapter.ts), Redis 7 sharded Pub/Sub (SSUBSCRIBE/SPUBLISH)
// over the cluster protocol of socket.io-adapter's ClusterAdapter.
//
// Channels, with ChannelPrefix ("socket.io") and a namespace nsp:
//
//	prefix#nsp#        every message of the namespace
//	prefix#nsp#uid#    the answers to one server's requests
//	prefix#nsp#room#   a broadcast to exactly one room (dynamic modes)
//
// A message is JSON.stringify({type, data, uid, nsp}), or notepack msgpack
// when it holds binary; the server count is SHARDNUMSUB of prefix#nsp#.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf16"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/redissub"
	"github.com/actorio/actorio/internal/debugenv"
	"github.com/actorio/actorio/protocol/sio"
)

// Subscription modes of the sharded adapter, as Node's subscriptionMode.
const (
	// ShardedDynamic subscribes to a channel per public room (not a socket
	// id) that has local members; a broadcast to one such room goes there.
	ShardedDynamic = "dynamic"
	// ShardedStatic uses the namespace's channel only.
	ShardedStatic = "static"
	// ShardedDynamicPrivate is ShardedDynamic for every room, socket ids
	// included.
	ShardedDynamicPrivate = "dynamic-private"
)

// ShardedOptions configure NewSharded. A nil *ShardedOptions means all
// defaults.
type ShardedOptions struct {
	// ChannelPrefix prefixes every channel. Empty means "socket.io".
	ChannelPrefix string
	// SubscriptionMode is ShardedDynamic, ShardedStatic or
	// ShardedDynamicPrivate. Empty means ShardedDynamic, as Node.
	SubscriptionMode string
	// RequestsTimeout bounds how long a cluster request waits for the other
	// servers' answers. Zero means 5s, as Node.
	RequestsTimeout time.Duration
	// Logger receives the adapter's lines (component "adapter"). The zero
	// value logs nothing. DEBUG=socket.io-redis (Node's debug namespace;
	// also socket.io-adapter, actorio:adapter) puts it at trace.
	Logger zerolog.Logger
}

// ShardedAdapter is one server's member of a sharded-adapter cluster.
type ShardedAdapter struct {
	client goredis.UniversalClient
	opts   ShardedOptions
	core   *cluster.Core
	link   *cluster.Link
	sub    *redissub.Subscriber
	rooms  *shardedRooms
	once   sync.Once
}

var (
	_ adapter.Adapter        = (*ShardedAdapter)(nil)
	_ adapter.RoomWatcher    = (*ShardedAdapter)(nil)
	_ adapter.HealthReporter = (*ShardedAdapter)(nil)
)

// NewSharded joins a sharded-adapter cluster on client's Redis (7 or
// later). It returns an error when Redis does not answer PING. client stays
// the caller's: Close does not close it.
func NewSharded(ctx context.Context, client goredis.UniversalClient, opts *ShardedOptions) (*ShardedAdapter, error) {
	var o ShardedOptions
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	switch o.SubscriptionMode {
	case "":
		o.SubscriptionMode = ShardedDynamic
	case ShardedDynamic, ShardedStatic, ShardedDynamicPrivate:
	default:
		return nil, fmt.Errorf("adapter/redis: sharded subscription mode %q: want dynamic, static or dynamic-private", o.SubscriptionMode)
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = cluster.DefaultRequestsTimeout
	}
	o.Logger = debugenv.Logger(o.Logger, debugenv.Adapter).With().Str("adapter", "redis-sharded").Logger()
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("adapter/redis: sharded: redis unreachable: %w", err)
	}
	a := &ShardedAdapter{client: client, opts: o, link: cluster.NewLink(o.Logger)}
	a.core = cluster.New(shardedTransport{a}, cluster.Options{RequestsTimeout: o.RequestsTimeout, Logger: o.Logger})
	a.sub = redissub.Start(client, true, a.link, "ssubscribe", a.onMessage)
	a.rooms = startShardedRooms(a)
	return a, nil
}

func (a *ShardedAdapter) channel(nsp string) string { return a.opts.ChannelPrefix + "#" + nsp + "#" }

func (a *ShardedAdapter) responseChannel(nsp, uid string) string { return a.channel(nsp) + uid + "#" }

func (a *ShardedAdapter) roomChannel(nsp, room string) string { return a.channel(nsp) + room + "#" }

// shardedLooksLikeSocketID is Node's looksLikeASocketId: a room of 20
// characters (UTF-16 code units, as JavaScript counts) is taken for a
// socket's own room.
func shardedLooksLikeSocketID(room string) bool {
	n := 0
	for _, r := range room {
		n += utf16.RuneLen(r)
	}
	return n == 20
}

// ownChannel reports whether a broadcast to room has a channel of its own
// in this mode, for publishing (Node's computeChannel) as for subscribing.
func (a *ShardedAdapter) ownChannel(room string) bool {
	switch a.opts.SubscriptionMode {
	case ShardedDynamic:
		return !shardedLooksLikeSocketID(room)
	case ShardedDynamicPrivate:
		return true
	}
	return false
}

// Attach hands the adapter the server's local side.
func (a *ShardedAdapter) Attach(l adapter.Local) error { return a.core.Attach(l) }

// AddNamespace subscribes to the namespace's channel and this server's
// response channel, and waits (at most RequestsTimeout) for Redis to
// confirm them.
func (a *ShardedAdapter) AddNamespace(nsp string) error {
	a.core.AddNamespace(nsp)
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	if err := a.sub.Subscribe(ctx, a.channel(nsp), a.responseChannel(nsp, a.core.UID())); err != nil {
		return fmt.Errorf("adapter/redis: sharded: namespace %s: %w", nsp, err)
	}
	return nil
}

// RoomCreated subscribes, in the dynamic modes, to the room's channel. It
// does not block: the subscription is made by the adapter's own goroutine.
func (a *ShardedAdapter) RoomCreated(nsp, room string) {
	if a.ownChannel(room) {
		a.rooms.want(a.roomChannel(nsp, room), true)
	}
}

// RoomDeleted unsubscribes from the room's channel, without blocking.
func (a *ShardedAdapter) RoomDeleted(nsp, room string) {
	if a.ownChannel(room) {
		a.rooms.want(a.roomChannel(nsp, room), false)
	}
}

// onMessage applies what arrives on any of the adapter's channels: the
// answers on a response channel, everything else as a message.
func (a *ShardedAdapter) onMessage(channel string, payload []byte) {
	m, err := cluster.Decode(payload)
	if err != nil {
		a.opts.Logger.Debug().Str("channel", channel).Err(err).Msg("invalid message dropped")
		return
	}
	if channel == a.responseChannel(m.Nsp, a.core.UID()) {
		a.core.OnResponse(m)
		return
	}
	a.core.OnMessage(m, "")
}

// shardedTransport is the adapter's side of the cluster protocol.
type shardedTransport struct{ a *ShardedAdapter }

// Publish sends a message to the namespace's channel, or a broadcast to one
// room to the room's channel (dynamic modes; never with acks: the server
// count covers every server, not the room's).
func (t shardedTransport) Publish(ctx context.Context, m *cluster.Message) (string, error) {
	a := t.a
	channel := a.channel(m.Nsp)
	if m.Type == cluster.Broadcast {
		if _, opts, id, err := cluster.BroadcastOf(m.Data); err == nil && id == "" && len(opts.Rooms) == 1 && a.ownChannel(opts.Rooms[0]) {
			channel = a.roomChannel(m.Nsp, opts.Rooms[0])
		}
	}
	return "", t.publish(ctx, channel, m)
}

// PublishResponse sends an answer to the requester's response channel.
func (t shardedTransport) PublishResponse(ctx context.Context, requesterUID string, r *cluster.Message) error {
	return t.publish(ctx, t.a.responseChannel(r.Nsp, requesterUID), r)
}

func (t shardedTransport) publish(ctx context.Context, channel string, m *cluster.Message) error {
	if err := t.a.link.Err(); err != nil {
		return err
	}
	var b []byte
	var err error
	if m.Type.MayContainBinary() && m.HasBinary() {
		b, err = m.Msgpack()
	} else {
		b, err = m.JSON()
	}
	if err != nil {
		return err
	}
	return t.a.client.SPublish(ctx, channel, b).Err()
}

// ServerCount counts the subscribers of the namespace's channel.
func (t shardedTransport) ServerCount(ctx context.Context, nsp string) (int, error) {
	if err := t.a.link.Err(); err != nil {
		return 0, err
	}
	return redissub.NumSub(ctx, t.a.client, true, t.a.channel(nsp))
}

// Broadcast and the methods below are the adapter.Adapter's, through the
// cluster protocol.
func (a *ShardedAdapter) Broadcast(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) error {
	return a.core.Broadcast(ctx, p, opts)
}

func (a *ShardedAdapter) BroadcastWithAck(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) error {
	return a.core.BroadcastWithAck(ctx, p, opts, clientCount, ack)
}

func (a *ShardedAdapter) FetchSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	return a.core.FetchSockets(ctx, nsp, opts)
}

func (a *ShardedAdapter) AddSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.core.AddSockets(ctx, nsp, opts, rooms)
}

func (a *ShardedAdapter) DelSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.core.DelSockets(ctx, nsp, opts, rooms)
}

func (a *ShardedAdapter) DisconnectSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, closeConn bool) error {
	return a.core.DisconnectSockets(ctx, nsp, opts, closeConn)
}

func (a *ShardedAdapter) ServerSideEmit(ctx context.Context, nsp string, args adapter.Args) error {
	return a.core.ServerSideEmit(ctx, nsp, args)
}

func (a *ShardedAdapter) ServerSideEmitWithAck(ctx context.Context, nsp string, args adapter.Args) ([]adapter.Args, error) {
	return a.core.ServerSideEmitWithAck(ctx, nsp, args)
}

// AllRooms asks the other servers with fetchSockets: the cluster protocol
// has no allRooms request.
func (a *ShardedAdapter) AllRooms(ctx context.Context, nsp string) ([]string, error) {
	return a.core.AllRooms(ctx, nsp)
}

func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	return a.core.ServerCount(ctx)
}

// UID is this server's id in the cluster.
func (a *ShardedAdapter) UID() string { return a.core.UID() }

// Health reports whether the adapter reaches Redis.
func (a *ShardedAdapter) Health() adapter.Health { return a.link.Health(a.core.PublishErrors()) }

// Close leaves the cluster and waits for every goroutine of the adapter.
// It does not close the client.
func (a *ShardedAdapter) Close() error {
	a.once.Do(func() {
		a.core.Close()
		a.sub.Close() // ends a wait for a room's subscription
		a.rooms.stop()
	})
	return nil
}

// shardedRooms keeps the room channels subscribed as rooms come and go:
// RoomCreated and RoomDeleted record what is wanted without blocking (they
// run on the namespace actor), and one goroutine brings the subscriptions
// in line.
type shardedRooms struct {
	a      *ShardedAdapter
	mu     sync.Mutex
	wanted map[string]bool // channel: subscribe (true) or unsubscribe (false)
	have   map[string]bool
	kick   chan struct{}
	done   chan struct{}
	exited chan struct{}
}

func startShardedRooms(a *ShardedAdapter) *shardedRooms {
	r := &shardedRooms{a: a, wanted: map[string]bool{}, have: map[string]bool{},
		kick: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{})}
	go r.run()
	return r
}

func (r *shardedRooms) want(channel string, on bool) {
	r.mu.Lock()
	r.wanted[channel] = on
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *shardedRooms) stop() {
	close(r.done)
	<-r.exited
}

func (r *shardedRooms) run() {
	defer close(r.exited)
	for {
		select {
		case <-r.done:
			return
		case <-r.kick:
		}
		r.mu.Lock()
		var add, del []string
		for ch, on := range r.wanted {
			if on && !r.have[ch] {
				add = append(add, ch)
				r.have[ch] = true
			} else if !on && r.have[ch] {
				del = append(del, ch)
				delete(r.have, ch)
			}
		}
		clear(r.wanted)
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), r.a.opts.RequestsTimeout)
		// Errors mean Redis is away: the subscriptions are made again when
		// it is back, and the link has said it is lost.
		if len(del) > 0 {
			if err := r.a.sub.Unsubscribe(ctx, del...); err != nil && !errors.Is(err, context.Canceled) {
				r.a.opts.Logger.Debug().Err(err).Msg("room channels not unsubscribed")
			}
		}
		if len(add) > 0 {
			if err := r.a.sub.Subscribe(ctx, add...); err != nil {
				r.a.opts.Logger.Debug().Err(err).Msg("room channels not subscribed yet")
			}
		}
		cancel()
	}
}
