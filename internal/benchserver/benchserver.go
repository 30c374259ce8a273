// Package benchserver is the server docs/bench-contract.md describes, the
// one the comparison benchmark (bench/) measures against Node's: events
// join, leave, echo, relay, fanout and stats on "/", and the TICK_HZ game
// loop. It is built on the public API the way a user would build it, so the
// benchmark measures what users get. Relayed payloads are forwarded as the
// bytes that came in, never decoded.
//
// In cluster mode (REDIS_URL, the contract's section 6) the caller joins
// the cluster through Options.Adapter before listening; fanout, relay and
// tick then reach every server, and the events count and sse work across.
package benchserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actorio/actorio"
)

// Config is the contract's knobs, and the server's options.
type Config struct {
	TickHz    int // zero: no game loop
	TickBytes int // zero means 100
	// RedisURL and RedisAdapter are the contract's cluster mode (REDIS_URL,
	// REDIS_ADAPTER): the caller builds Options.Adapter from them.
	RedisURL     string
	RedisAdapter string // pubsub (the default), sharded or streams
	// Options configure the Socket.IO server (heartbeat, payload limit,
	// logger...). Nil means Node's defaults: ping 25s/20s,
	// maxHttpBufferSize 1e6. New turns HTTP compression off either way.
	Options *actorio.Options
}

// ConfigFromEnv reads TICK_HZ, TICK_BYTES, REDIS_URL and REDIS_ADAPTER
// through getenv (os.Getenv). A value that is not a number, or is
// negative, is an error, and so is an adapter other than pubsub, sharded
// or streams.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	for _, v := range []struct {
		name string
		dst  *int
	}{{"TICK_HZ", &c.TickHz}, {"TICK_BYTES", &c.TickBytes}} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s=%q: want a whole number, 0 or more", v.name, s)
		}
		*v.dst = n
	}
	c.RedisURL, c.RedisAdapter = getenv("REDIS_URL"), getenv("REDIS_ADAPTER")
	switch c.RedisAdapter {
	case "", "pubsub", "sharded", "streams":
	default:
		return c, fmt.Errorf("REDIS_ADAPTER=%q: want pubsub, sharded or streams", c.RedisAdapter)
	}
	if c.RedisAdapter != "" && c.RedisURL == "" {
		return c, fmt.Errorf("REDIS_ADAPTER=%q needs REDIS_URL", c.RedisAdapter)
	}
	return c, nil
}

// Server is the bench server: mount Handler; Close stops the loop and the
// server.
type Server struct {
	*actorio.Server
	cfg  Config
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	rooms map[string]struct{} // rooms created by join, not the sockets' own
}

// New returns the bench server, configured by cfg.Options (nil: Node's
// defaults). Permessage-deflate stays as the options say (off unless set;
// the load generator never offers it); HTTP compression is off.
func New(cfg Config) *Server {
	if cfg.TickBytes <= 0 {
		cfg.TickBytes = 100
	}
	var opts actorio.Options
	if cfg.Options != nil {
		opts = *cfg.Options
	}
	opts.HTTPCompression = actorio.CompressionOptions{Disabled: true}
	s := &Server{
		Server: actorio.NewServer(&opts),
		cfg:    cfg, stop: make(chan struct{}), done: make(chan struct{}), rooms: map[string]struct{}{},
	}
	root := s.Of("/")
	root.OnRoomEvent(s.trackRoom)
	root.OnConnection(s.connected)
	// The contract's cluster section: another server's sse goes to this
	// server's own sockets.
	_ = root.OnServerSideEmit("sse", func(payload json.RawMessage) {
		_ = root.Local().Emit("sse-got", payload)
	})
	if cfg.TickHz > 0 {
		go s.tickLoop()
	} else {
		close(s.done)
	}
	return s
}

// Close stops the game loop, then every connection.
func (s *Server) Close() {
	close(s.stop)
	<-s.done
	s.Server.Close()
}

func (s *Server) connected(sock *actorio.Socket) {
	_ = sock.On("join", func(room string, ack actorio.Ack) { _ = ack.Send(sock.JoinCount(room)) })
	_ = sock.On("leave", func(room string, ack actorio.Ack) {
		sock.Leave(room)
		_ = ack.Send(true)
	})
	_ = sock.On("echo", func(a actorio.Args, ack actorio.Ack) { _ = ack.Send(a.Forward()...) })
	_ = sock.On("relay", func(a actorio.Args) {
		if room, ok := roomArg(a); ok {
			_ = sock.To(room).Emit("relay", a.Raw(1))
		}
	})
	_ = sock.On("fanout", func(a actorio.Args) {
		if room, ok := roomArg(a); ok {
			_ = s.To(room).Emit("fanout", a.Raw(1))
		}
	})
	_ = sock.On("count", func(room string, ack actorio.Ack) {
		// Off the socket's lane: a cluster request waits on other servers.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
			defer cancel()
			sockets, err := s.In(room).FetchSockets(ctx)
			if err != nil {
				_ = ack.Send(-1)
				return
			}
			_ = ack.Send(len(sockets))
		}()
	})
	_ = sock.On("sse", func(payload json.RawMessage, ack actorio.Ack) {
		_ = s.ServerSideEmit("sse", payload)
		_ = ack.Send(true)
	})
	_ = sock.On("stats", func(ack actorio.Ack) {
		_ = ack.Send(map[string]int64{"sockets": int64(s.Of("/").SocketCount()), "rss": rss()})
	})
}

// clusterTimeout bounds count's fetchSockets, as Node's adapters' default
// requestsTimeout.
const clusterTimeout = 5 * time.Second

func roomArg(a actorio.Args) (string, bool) {
	var room string
	return room, a.Len() >= 2 && a.Decode(0, &room) == nil
}

// trackRoom keeps the set of rooms the loop ticks: created by a join, not a
// socket's own room (created, then joined by the socket it is named after).
func (s *Server) trackRoom(e actorio.RoomEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e.Kind {
	case "create-room":
		s.rooms[e.Room] = struct{}{}
	case "join-room":
		if e.ID == e.Room {
			delete(s.rooms, e.Room)
		}
	case "delete-room":
		delete(s.rooms, e.Room)
	}
}

// tickLoop emits "tick" to every joined room TickHz times a second,
// scheduled on absolute time; a loop more than one period behind skips the
// missed ticks, which the generator sees as gaps in seq.
func (s *Server) tickLoop() {
	defer close(s.done)
	period := time.Second / time.Duration(s.cfg.TickHz)
	start := time.Now()
	timer := time.NewTimer(period)
	defer timer.Stop()
	for seq := int64(1); ; {
		select {
		case <-s.stop:
			return
		case <-timer.C:
		}
		if behind := time.Since(start.Add(time.Duration(seq) * period)); behind > period {
			seq += int64(behind / period)
		}
		s.tick(seq)
		seq++
		timer.Reset(time.Until(start.Add(time.Duration(seq) * period)))
	}
}

func (s *Server) tick(seq int64) {
	s.mu.Lock()
	rooms := make([]string, 0, len(s.rooms))
	for r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	// Read once, just before the tick's first emit, for every room.
	now := float64(time.Now().UnixMicro()) / 1000
	payload := tickPayload(now, seq, s.cfg.TickBytes)
	for _, r := range rooms {
		_ = s.To(r).Emit("tick", payload)
	}
}

// tickPayload is `<ms>|<seq>|xxxx` as a JSON string of exactly size bytes
// of content (longer only when size is too small for the header).
func tickPayload(ms float64, seq int64, size int) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('"')
	b.WriteString(strconv.FormatFloat(ms, 'f', 3, 64))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(seq, 10))
	b.WriteByte('|')
	if pad := size - (b.Len() - 1); pad > 0 {
		b.WriteString(strings.Repeat("x", pad))
	}
	b.WriteByte('"')
	return b.Bytes()
}

// rss is this process's resident set, from /proc/self/status.
func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
