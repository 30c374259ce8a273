// Package redisjoin turns actorio-server's -redis URL and -redis-adapter
// name into a cluster adapter, connected and checked, before the server
// listens.
package redisjoin

import (
	"context"
	"fmt"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/adapter/redisstreams"
	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Kinds are the adapter names -redis-adapter takes: the wire formats of
// Node's @socket.io/redis-adapter (pubsub, and its sharded variant) and
// @socket.io/redis-streams-adapter (streams).
var Kinds = []string{"pubsub", "sharded", "streams"}

// Join connects to Redis at url and returns the adapter of kind ("" means
// pubsub), and a function that closes its Redis client, to call once the
// server (and so the adapter) is closed. Redis unreachable, a bad URL or
// an unknown kind is an error of one line.
//
// go-redis's own log lines (one per failed dial, on stderr) go to logger at
// debug level: the adapter's lines already say when Redis is lost.
func Join(ctx context.Context, url, kind string, logger zerolog.Logger) (adapter.Adapter, func(), error) {
	goredis.SetLogger(clientLog{logger})
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("redis URL %q: %w", url, err)
	}
	// Commands honour the adapters' short contexts even on a stalled (not
	// refused) connection.
	opts.ContextTimeoutEnabled = true
	client := goredis.NewClient(opts)
	var ad adapter.Adapter
	switch kind {
	case "", "pubsub":
		ad, err = redis.New(ctx, client, &redis.Options{Logger: logger})
	case "sharded":
		ad, err = redis.NewSharded(ctx, client, &redis.ShardedOptions{Logger: logger})
	case "streams":
		ad, err = redisstreams.New(ctx, client, &redisstreams.Options{Logger: logger})
	default:
		err = fmt.Errorf("redis adapter %q: want pubsub, sharded or streams", kind)
	}
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	return ad, func() { _ = client.Close() }, nil
}

// clientLog is go-redis's logger (process-wide, hence set by the binary
// only, never by the adapters).
type clientLog struct{ l zerolog.Logger }

func (c clientLog) Printf(_ context.Context, format string, v ...any) {
	c.l.Debug().Msgf("go-redis: "+format, v...)
}
