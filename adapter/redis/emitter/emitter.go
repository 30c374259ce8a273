package emitter

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// uid is the sender id the npm emitters write: no server has it, so every
// server applies what an emitter publishes.
const uid = "emitter"

// DefaultKey is the channel prefix of the Node adapters and emitter.
const DefaultKey = "socket.io"

// Options configures an Emitter for the pub/sub adapter. A nil *Options
// means the defaults.
type Options struct {
	// Key is the prefix of the Redis channels, the adapter's `key` option.
	// Zero means "socket.io".
	Key string
}

// Emitter publishes to one namespace of a cluster. Its methods without a
// target reach every socket of the namespace; To, In and Except narrow
// that, Volatile and Compress set flags, each returning a BroadcastOperator.
type Emitter struct {
	f   format
	nsp string
}

// format writes an emitter's operations in the wire format of one Node
// adapter: what it is given has been checked, and the event data encoded.
type format interface {
	broadcast(ctx context.Context, nsp string, t target, data []any) error
	changeRooms(ctx context.Context, nsp string, t target, join bool, rooms []string) error
	disconnect(ctx context.Context, nsp string, t target, close bool) error
	serverSideEmit(ctx context.Context, nsp string, data []any) error
}

// New returns an emitter for the main namespace "/" of a cluster joined by
// @socket.io/redis-adapter's createAdapter (Redis pub/sub), publishing with
// client as npm @socket.io/redis-emitter does.
func New(client goredis.UniversalClient, opts *Options) *Emitter {
	key := DefaultKey
	if opts != nil && opts.Key != "" {
		key = opts.Key
	}
	return &Emitter{f: &pubsub{client: client, key: key}, nsp: "/"}
}

// Of returns an emitter for namespace nsp; a missing leading "/" is added,
// as the npm emitter does.
func (e *Emitter) Of(nsp string) *Emitter {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	return &Emitter{f: e.f, nsp: nsp}
}

// Namespace is the emitter's namespace.
func (e *Emitter) Namespace() string { return e.nsp }

func (e *Emitter) operator() *BroadcastOperator { return &BroadcastOperator{e: e} }

// To targets the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *BroadcastOperator { return e.operator().To(rooms...) }

// In is To.
func (e *Emitter) In(rooms ...string) *BroadcastOperator { return e.operator().In(rooms...) }

// Except leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) *BroadcastOperator { return e.operator().Except(rooms...) }

// Volatile marks the event as one a server may drop for a client that is
// not ready for it.
func (e *Emitter) Volatile() *BroadcastOperator { return e.operator().Volatile() }

// Compress sets whether the servers compress the event (permessage-deflate).
func (e *Emitter) Compress(compress bool) *BroadcastOperator {
	return e.operator().Compress(compress)
}

// Emit sends event with args to every socket of the namespace.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.operator().Emit(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; with close,
// their underlying connections are closed too.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.operator().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends event with args to the servers of the cluster: each
// calls its namespace's listeners for event, as for a Node server's
// serverSideEmit. A reserved event name is an error, as Node's
// serverSideEmit has it (the npm emitters do not check). It has no
// acknowledgement: an emitter hears no answer.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	if err := checkText("namespace", e.nsp); err != nil {
		return err
	}
	data, err := eventData(event, args)
	if err != nil {
		return err
	}
	return e.f.serverSideEmit(ctx, e.nsp, data)
}
