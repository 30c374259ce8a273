package redisstreams

import (
	"time"

	"github.com/actorio/actorio/internal/debugenv"
	"github.com/rs/zerolog"
)

// Options are the Node adapter's options, with its defaults, plus
// RequestsTimeout and Logger. A nil *Options means all defaults.
type Options struct {
	// StreamName is the Redis stream. Empty means "socket.io".
	StreamName string
	// StreamCount spreads namespaces over that many streams
	// ("<StreamName>-<i>", by the hash of the namespace's name, as Node).
	// Zero means 1: one stream, StreamName itself.
	StreamCount int
	// ChannelPrefix prefixes the Pub/Sub channels. Empty means "socket.io".
	ChannelPrefix string
	// UseShardedPubSub uses SPUBLISH/SSUBSCRIBE (Redis 7) for the
	// ephemeral messages.
	UseShardedPubSub bool
	// MaxLen caps the stream (MAXLEN ~). Zero means 10000.
	MaxLen int64
	// ReadCount is XREAD's COUNT. Zero means 100.
	ReadCount int64
	// BlockTime is XREAD's BLOCK. Zero means 5s.
	BlockTime time.Duration
	// SessionKeyPrefix prefixes the keys of recovery sessions. Empty means
	// "sio:session:".
	SessionKeyPrefix string
	// OnlyPlaintext stores stream data as JSON even when it holds binary.
	OnlyPlaintext bool
	// RequestsTimeout bounds how long a cluster request waits for the
	// other servers' answers. Zero means 5s, as Node.
	RequestsTimeout time.Duration
	// Logger receives the adapter's lines (component "adapter"). The zero
	// value logs nothing. DEBUG=socket.io-redis-streams-adapter (Node's
	// debug namespace; also socket.io-adapter, actorio:adapter) puts it
	// at trace.
	Logger zerolog.Logger
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.StreamName == "" {
		out.StreamName = "socket.io"
	}
	if out.StreamCount <= 0 {
		out.StreamCount = 1
	}
	if out.ChannelPrefix == "" {
		out.ChannelPrefix = "socket.io"
	}
	if out.MaxLen <= 0 {
		out.MaxLen = 10000
	}
	if out.ReadCount <= 0 {
		out.ReadCount = 100
	}
	if out.BlockTime <= 0 {
		out.BlockTime = 5 * time.Second
	}
	if out.SessionKeyPrefix == "" {
		out.SessionKeyPrefix = "sio:session:"
	}
	if out.RequestsTimeout <= 0 {
		out.RequestsTimeout = 5 * time.Second
	}
	out.Logger = debugenv.Logger(out.Logger, debugenv.Adapter).With().Str("adapter", "redis-streams").Logger()
	return out
}
