package redisstreams

import (
	"context"
	"errors"
	"fmt"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/redissub"
	"github.com/actorio/actorio/adapter/internal/streamwire"
	"github.com/actorio/actorio/protocol/sio"
)

// Adapter is one server's member of a streams-adapter cluster.
type Adapter struct {
	client goredis.UniversalClient
	opts   Options
	core   *cluster.Core
	link   *cluster.Link
	sub    *redissub.Subscriber

	readers   []*reader
	stopReads context.CancelFunc
	readersWG sync.WaitGroup
	closeOnce sync.Once
	localMu   sync.Mutex
	localSide adapter.Local
}

var (
	_ adapter.Adapter        = (*Adapter)(nil)
	_ adapter.SessionStore   = (*Adapter)(nil)
	_ adapter.HealthReporter = (*Adapter)(nil)
)

// New joins the cluster on client's Redis. It returns an error when Redis
// does not answer PING. client stays the caller's: Close does not close it.
// The adapter reads the streams on connections of its own, made with
// client's options (a *goredis.Client or *goredis.ClusterClient; any other
// UniversalClient is read through directly).
func New(ctx context.Context, client goredis.UniversalClient, opts *Options) (*Adapter, error) {
	o := opts.withDefaults()
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redisstreams: redis unreachable: %w", err)
	}
	a := &Adapter{client: client, opts: o, link: cluster.NewLink(o.Logger)}
	// Node reads from "$"; reading after the stream's last entry at start
	// is the same, without missing what is added before the first XREAD.
	var starts []string
	for _, name := range o.streamNames() {
		last, err := client.XRevRangeN(ctx, name, "+", "-", 1).Result()
		if err != nil {
			return nil, fmt.Errorf("redisstreams: read the end of stream %s: %w", name, err)
		}
		start := "0-0"
		if len(last) == 1 {
			start = last[0].ID
		}
		starts = append(starts, start)
	}
	a.core = cluster.New(transport{a}, cluster.Options{RequestsTimeout: o.RequestsTimeout, Logger: o.Logger})
	a.sub = redissub.Start(client, o.UseShardedPubSub, a.link, "pubsub", a.onPubSub)
	readCtx, cancel := context.WithCancel(context.Background())
	a.stopReads = cancel
	for i, name := range o.streamNames() {
		r := newReader(a, name, starts[i])
		a.readers = append(a.readers, r)
		a.readersWG.Add(1)
		go func() {
			defer a.readersWG.Done()
			r.run(readCtx)
		}()
	}
	return a, nil
}

// Attach hands the adapter the server's local side.
func (a *Adapter) Attach(l adapter.Local) error {
	if err := a.core.Attach(l); err != nil {
		return err
	}
	a.localMu.Lock()
	a.localSide = l
	a.localMu.Unlock()
	return nil
}

func (a *Adapter) local() (adapter.Local, error) {
	a.localMu.Lock()
	defer a.localMu.Unlock()
	if a.localSide == nil {
		return nil, cluster.ErrNotAttached
	}
	return a.localSide, nil
}

// AddNamespace subscribes to the namespace's public channel and to this
// server's private one, and waits (at most RequestsTimeout) for Redis to
// confirm them.
func (a *Adapter) AddNamespace(nsp string) error {
	a.core.AddNamespace(nsp)
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	if err := a.sub.Subscribe(ctx, a.opts.publicChannel(nsp), a.opts.privateChannel(nsp, a.core.UID())); err != nil {
		return fmt.Errorf("redisstreams: namespace %s: %w", nsp, err)
	}
	return nil
}

// transport is the adapter's side of the cluster protocol.
type transport struct{ a *Adapter }

// Publish sends ephemeral messages over Pub/Sub and appends the others to
// the namespace's stream, whose entry id is the offset.
func (t transport) Publish(ctx context.Context, m *cluster.Message) (string, error) {
	a := t.a
	if err := a.link.Err(); err != nil {
		return "", err
	}
	if isEphemeral(m) {
		return "", a.publish(ctx, a.opts.publicChannel(m.Nsp), m)
	}
	return streamwire.Append(ctx, a.client, a.opts.streamName(m.Nsp), a.opts.MaxLen, m, a.opts.OnlyPlaintext)
}

// PublishResponse sends an answer to the requester's own channel.
func (t transport) PublishResponse(ctx context.Context, requesterUID string, r *cluster.Message) error {
	a := t.a
	if err := a.link.Err(); err != nil {
		return err
	}
	return a.publish(ctx, a.opts.privateChannel(r.Nsp, requesterUID), r)
}

func (a *Adapter) publish(ctx context.Context, channel string, m *cluster.Message) error {
	b, err := m.Msgpack()
	if err != nil {
		return err
	}
	if a.opts.UseShardedPubSub {
		return a.client.SPublish(ctx, channel, b).Err()
	}
	return a.client.Publish(ctx, channel, b).Err()
}

// ServerCount counts the subscribers of the namespace's public channel,
// as Node's serverCount.
func (t transport) ServerCount(ctx context.Context, nsp string) (int, error) {
	a := t.a
	if err := a.link.Err(); err != nil {
		return 0, err
	}
	return redissub.NumSub(ctx, a.client, a.opts.UseShardedPubSub, a.opts.publicChannel(nsp))
}

// onPubSub applies an ephemeral message or an answer (msgpack).
func (a *Adapter) onPubSub(_ string, payload []byte) {
	m, err := cluster.DecodeMsgpack(payload)
	if err != nil {
		a.opts.Logger.Debug().Err(err).Msg("invalid message dropped")
		return
	}
	a.core.OnMessage(m, "")
}

// onEntry applies a stream entry; its id is the broadcast's offset.
func (a *Adapter) onEntry(id string, fields map[string]any) {
	m, err := streamwire.Decode(fields)
	if errors.Is(err, streamwire.ErrNoNamespace) {
		return
	}
	if err != nil {
		a.opts.Logger.Debug().Str("id", id).Err(err).Msg("invalid stream entry dropped")
		return
	}
	a.core.OnMessage(m, id)
}

// Broadcast and the methods below are the adapter.Adapter's, through the
// cluster protocol.
func (a *Adapter) Broadcast(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) error {
	return a.core.Broadcast(ctx, p, opts)
}

func (a *Adapter) BroadcastWithAck(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) error {
	return a.core.BroadcastWithAck(ctx, p, opts, clientCount, ack)
}

func (a *Adapter) FetchSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	return a.core.FetchSockets(ctx, nsp, opts)
}

func (a *Adapter) AddSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.core.AddSockets(ctx, nsp, opts, rooms)
}

func (a *Adapter) DelSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.core.DelSockets(ctx, nsp, opts, rooms)
}

func (a *Adapter) DisconnectSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, closeConn bool) error {
	return a.core.DisconnectSockets(ctx, nsp, opts, closeConn)
}

func (a *Adapter) ServerSideEmit(ctx context.Context, nsp string, args adapter.Args) error {
	return a.core.ServerSideEmit(ctx, nsp, args)
}

func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, nsp string, args adapter.Args) ([]adapter.Args, error) {
	return a.core.ServerSideEmitWithAck(ctx, nsp, args)
}

// AllRooms asks the other servers with fetchSockets: the cluster protocol
// has no allRooms request.
func (a *Adapter) AllRooms(ctx context.Context, nsp string) ([]string, error) {
	return a.core.AllRooms(ctx, nsp)
}

func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	return a.core.ServerCount(ctx)
}

// UID is this server's id in the cluster.
func (a *Adapter) UID() string { return a.core.UID() }

// Health reports whether the adapter reaches Redis.
func (a *Adapter) Health() adapter.Health { return a.link.Health(a.core.PublishErrors()) }

// Close leaves the cluster: it unsubscribes, stops reading the streams and
// waits for every goroutine of the adapter. It does not close the client.
func (a *Adapter) Close() error {
	a.closeOnce.Do(func() {
		a.core.Close()
		a.sub.Close()
		a.stopReads()
		for _, r := range a.readers {
			r.interrupt()
		}
		a.readersWG.Wait()
	})
	return nil
}
