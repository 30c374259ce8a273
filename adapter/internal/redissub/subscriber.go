package redissub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/cluster"
)

// healthInterval is how long the loop waits for a message before it pings
// Redis to learn whether the connection still works.
const healthInterval = 15 * time.Second

// Backoff bounds the waits between attempts to reach Redis again.
var Backoff = cluster.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second}

// Subscriber holds one Pub/Sub connection and its receiving goroutine.
type Subscriber struct {
	ps      *goredis.PubSub
	sharded bool
	link    *cluster.Link
	loop    string // its name in the Link
	handle  func(channel string, payload []byte)

	mu        sync.Mutex
	confirmed map[string]bool
	waiters   map[string][]chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// Start opens a subscriber of client and starts receiving; handle gets each
// message. The connection is made with the first Subscribe.
func Start(client goredis.UniversalClient, sharded bool, link *cluster.Link, loop string, handle func(channel string, payload []byte)) *Subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Subscriber{sharded: sharded, link: link, loop: loop, handle: handle,
		confirmed: map[string]bool{}, waiters: map[string][]chan struct{}{}, cancel: cancel, done: make(chan struct{})}
	if sharded {
		s.ps = client.SSubscribe(ctx)
	} else {
		s.ps = client.Subscribe(ctx)
	}
	go s.receive(ctx)
	return s
}

// Subscribe subscribes to channels and waits for Redis to confirm each,
// until ctx ends. Channels stay subscribed (across reconnections) even when
// it returns an error.
func (s *Subscriber) Subscribe(ctx context.Context, channels ...string) error {
	var wait []chan struct{}
	s.mu.Lock()
	for _, ch := range channels {
		if !s.confirmed[ch] {
			c := make(chan struct{})
			s.waiters[ch] = append(s.waiters[ch], c)
			wait = append(wait, c)
		}
	}
	s.mu.Unlock()
	if len(wait) == 0 {
		return nil
	}
	var err error
	if s.sharded {
		err = s.ps.SSubscribe(ctx, channels...)
	} else {
		err = s.ps.Subscribe(ctx, channels...)
	}
	if err != nil {
		return fmt.Errorf("subscribe %q: %w (it is retried when Redis is back)", channels, err)
	}
	for _, c := range wait {
		select {
		case <-c:
		case <-ctx.Done():
			return fmt.Errorf("subscribe %q: not confirmed: %w (it is retried when Redis is back)", channels, ctx.Err())
		case <-s.done:
			return errors.New("subscribe: subscriber closed")
		}
	}
	return nil
}

// Unsubscribe forgets channels.
func (s *Subscriber) Unsubscribe(ctx context.Context, channels ...string) error {
	s.mu.Lock()
	for _, ch := range channels {
		delete(s.confirmed, ch)
	}
	s.mu.Unlock()
	var err error
	if s.sharded {
		err = s.ps.SUnsubscribe(ctx, channels...)
	} else {
		err = s.ps.Unsubscribe(ctx, channels...)
	}
	if err != nil {
		return fmt.Errorf("unsubscribe %q: %w", channels, err)
	}
	return nil
}

// Close closes the connection and waits for the receiving goroutine.
func (s *Subscriber) Close() {
	s.cancel()
	_ = s.ps.Close() // interrupts the blocked read
	<-s.done
}

func (s *Subscriber) receive(ctx context.Context) {
	defer close(s.done)
	backoff := Backoff
	pinged := false
	for {
		msg, err := s.ps.ReceiveTimeout(ctx, healthInterval)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() && !pinged {
				// Quiet: ask Redis whether it is still there.
				pinged = true
				if perr := s.ps.Ping(ctx); perr == nil {
					continue
				}
			}
			pinged = false
			s.lost(err)
			if !backoff.Wait(ctx) {
				return
			}
			continue
		}
		pinged = false
		backoff.Reset()
		s.link.Up(s.loop)
		switch m := msg.(type) {
		case *goredis.Subscription:
			s.subscription(m)
		case *goredis.Message:
			s.handle(m.Channel, []byte(m.Payload))
		}
	}
}

// lost marks the connection down: every subscription waits for Redis to
// confirm it again.
func (s *Subscriber) lost(err error) {
	s.mu.Lock()
	clear(s.confirmed)
	s.mu.Unlock()
	s.link.Down(s.loop, err)
}

func (s *Subscriber) subscription(m *goredis.Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.Kind {
	case "subscribe", "ssubscribe":
		s.confirmed[m.Channel] = true
		for _, c := range s.waiters[m.Channel] {
			close(c)
		}
		delete(s.waiters, m.Channel)
	case "unsubscribe", "sunsubscribe":
		delete(s.confirmed, m.Channel)
	}
}

// NumSub counts the subscribers of channel (PUBSUB NUMSUB, or SHARDNUMSUB
// when sharded), summed over the masters of a Redis Cluster as the Node
// adapters sum them.
func NumSub(ctx context.Context, client goredis.UniversalClient, sharded bool, channel string) (int, error) {
	count := func(ctx context.Context, c goredis.UniversalClient) (int64, error) {
		var m map[string]int64
		var err error
		if sharded {
			m, err = c.PubSubShardNumSub(ctx, channel).Result()
		} else {
			m, err = c.PubSubNumSub(ctx, channel).Result()
		}
		return m[channel], err
	}
	if cc, ok := client.(*goredis.ClusterClient); ok {
		var mu sync.Mutex
		var total int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			n, err := count(ctx, c)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		return int(total), err
	}
	n, err := count(ctx, client)
	return int(n), err
}
