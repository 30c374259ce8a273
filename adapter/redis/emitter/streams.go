package emitter

import (
	"context"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/streamwire"
	"github.com/actorio/actorio/internal/value"
)

// StreamsOptions configures an Emitter for the streams adapter: the
// adapter's options of the same names, which the emitter must share with
// it. A nil *StreamsOptions means the defaults.
type StreamsOptions struct {
	// StreamName is the Redis stream, the adapter's streamName. Empty
	// means "socket.io".
	StreamName string
	// StreamCount is the adapter's streamCount: a namespace's entries go
	// to "<StreamName>-<i>", i by the hash of the namespace's name, where
	// the adapter reads them. Zero means 1: StreamName itself. (The npm
	// emitter has no such option: it always writes to StreamName.)
	StreamCount int
	// MaxLen caps the stream (XADD MAXLEN ~), the adapter's maxLen. Zero
	// means 10000.
	MaxLen int64
}

// NewStreams returns an emitter for the main namespace "/" of a cluster
// joined by @socket.io/redis-streams-adapter 0.3, appending to its stream
// with client as npm @socket.io/redis-streams-emitter 0.1 does.
func NewStreams(client goredis.UniversalClient, opts *StreamsOptions) *Emitter {
	s := &streams{client: client}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.StreamName == "" {
		s.opts.StreamName = "socket.io"
	}
	if s.opts.MaxLen <= 0 {
		s.opts.MaxLen = 10000
	}
	return &Emitter{f: s, nsp: "/"}
}

// streams is the format of @socket.io/redis-streams-adapter 0.3, as
// @socket.io/redis-streams-emitter 0.1 writes it: every operation is a
// cluster message {uid: "emitter", nsp, type, data} appended to the
// namespace's stream, data in the emitter's key order (its packet carries
// nsp, its opts are {rooms, flags, except}; a request's opts are {rooms,
// except, flags: {}}).
type streams struct {
	client goredis.UniversalClient
	opts   StreamsOptions
}

func (s *streams) broadcast(ctx context.Context, nsp string, t target, data []any) error {
	return s.append(ctx, nsp, cluster.Broadcast, object(
		"packet", object("type", int64(eventPacket), "data", data, "nsp", nsp),
		"opts", object("rooms", array(t.rooms), "flags", t.flagsObject(), "except", array(t.except)),
	))
}

func (s *streams) changeRooms(ctx context.Context, nsp string, t target, join bool, rooms []string) error {
	typ := cluster.SocketsLeave
	if join {
		typ = cluster.SocketsJoin
	}
	return s.append(ctx, nsp, typ, object("opts", requestOpts(t), "rooms", array(rooms)))
}

func (s *streams) disconnect(ctx context.Context, nsp string, t target, close bool) error {
	return s.append(ctx, nsp, cluster.DisconnectSockets, object("opts", requestOpts(t), "close", close))
}

func (s *streams) serverSideEmit(ctx context.Context, nsp string, data []any) error {
	return s.append(ctx, nsp, cluster.ServerSideEmit, object("packet", data))
}

// requestOpts are a request's opts: its target, without flags.
func requestOpts(t target) *value.Map {
	return object("rooms", array(t.rooms), "except", array(t.except), "flags", &value.Map{})
}

// append adds the message to the namespace's stream, as the adapter's own
// messages (streamwire): data is base64 msgpack when the type may carry
// binary and it does, JSON otherwise.
func (s *streams) append(ctx context.Context, nsp string, typ cluster.MessageType, data *value.Map) error {
	stream := streamwire.Stream(s.opts.StreamName, s.opts.StreamCount, nsp)
	m := &cluster.Message{UID: uid, Nsp: nsp, Type: typ, Data: data}
	if _, err := streamwire.Append(ctx, s.client, stream, s.opts.MaxLen, m, false); err != nil {
		return errorf("append to stream %s: %w", stream, err)
	}
	return nil
}
