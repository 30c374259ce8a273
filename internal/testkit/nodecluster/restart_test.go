package nodecluster

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// resubscribed reports whether n node_server.js processes hold their
// adapter's subscriptions in redis again (and, for streams, read the stream).
func resubscribed(ctx context.Context, c *redis.Client, adapter string, n int) bool {
	const channel = "socket.io#/#"
	switch adapter {
	case "pubsub":
		// PUBSUB NUMPAT counts unique patterns, not subscribers: the
		// broadcast pattern is counted in CLIENT LIST.
		const requests = "socket.io-request#/#"
		subs, err := c.PubSubNumSub(ctx, requests).Result()
		if err != nil || subs[requests] != int64(n) {
			return false
		}
		list, err := c.ClientList(ctx).Result()
		return err == nil && strings.Count(list, " psub=1 ") == n
	case "sharded":
		got, err := c.PubSubShardNumSub(ctx, channel).Result()
		return err == nil && got[channel] == int64(n)
	case "streams":
		subs, err := c.PubSubNumSub(ctx, channel).Result()
		if err != nil || subs[channel] != int64(n) {
			return false
		}
		list, err := c.ClientList(ctx).Result()
		return err == nil && strings.Count(list, "cmd=xread") == n
	}
	return false
}

// Redis restarted under two node_server.js (its cluster state gone): they
// reconnect, subscribe again, and broadcast and fetch across as before. The
// mixed-cluster fault tests rely on the Node side recovering.
func TestSurvivesRedisRestart(t *testing.T) {
	for _, adapter := range []string{"pubsub", "sharded", "streams"} {
		t.Run("adapter="+adapter, func(t *testing.T) {
			t.Parallel()
			rs := redistest.Start(t)
			a := Start(t, Options{RedisURL: rs.URL(), Adapter: adapter})
			b := Start(t, Options{RedisURL: rs.URL(), Adapter: adapter})
			rs.Restart()

			ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
			defer cancel()
			c := rs.Client()
			testkit.Eventually(t, "both servers subscribed again", func() bool {
				return resubscribed(ctx, c, adapter, 2)
			})
			checkSmoke(t, a, b)
		})
	}
}
