package redisstreams

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/redissub"
)

// reader reads one stream (XREAD BLOCK) on a connection of its own, so
// that its blocked reads hold up nothing else, and hands each entry to the
// adapter in order. After an error it waits (backoff) and reads again
// after the last entry it read.
type reader struct {
	a      *Adapter
	stream string
	last   string // the id of the last entry read
	client goredis.UniversalClient
	own    bool // client is the reader's: closing it interrupts a blocked read
}

func newReader(a *Adapter, stream, start string) *reader {
	r := &reader{a: a, stream: stream, last: start, client: a.client}
	switch c := a.client.(type) {
	case *goredis.Client:
		o := *c.Options()
		o.PoolSize, o.MinIdleConns, o.MaxIdleConns = 1, 0, 1
		r.client, r.own = goredis.NewClient(&o), true
	case *goredis.ClusterClient:
		o := *c.Options()
		r.client, r.own = goredis.NewClusterClient(&o), true
	}
	return r
}

func (r *reader) run(ctx context.Context) {
	backoff := redissub.Backoff
	loop := "xread " + r.stream
	down := false
	for {
		if down {
			// A blocked read answers only after BlockTime: learn at once
			// whether Redis is back.
			if err := r.client.Ping(ctx).Err(); err != nil {
				if ctx.Err() != nil || !backoff.Wait(ctx) {
					return
				}
				continue
			}
			down = false
			backoff.Reset()
			r.a.link.Up(loop)
		}
		res, err := r.client.XRead(ctx, &goredis.XReadArgs{
			Streams: []string{r.stream, r.last}, Count: r.a.opts.ReadCount, Block: r.a.opts.BlockTime,
		}).Result()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, goredis.Nil) { // Nil: BLOCK ended with nothing new
			r.a.link.Down(loop, err)
			down = true
			if !backoff.Wait(ctx) {
				return
			}
			continue
		}
		for _, s := range res {
			for _, e := range s.Messages {
				r.a.onEntry(e.ID, e.Values)
				r.last = e.ID
			}
		}
	}
}

// interrupt ends a blocked read, for Close.
func (r *reader) interrupt() {
	if r.own {
		_ = r.client.Close()
	}
}
