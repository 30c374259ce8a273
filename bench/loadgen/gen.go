package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Config sets up a Gen. Zero values mean the defaults named on each field.
type Config struct {
	// Addr is the server's host:port, an IPv4 literal (127.0.0.1:3000).
	Addr string
	// Workers is the number of event loops. Zero means GOMAXPROCS.
	Workers int
	// PayloadBytes is the size of the payload strings the generator sends.
	// Zero means 100.
	PayloadBytes int
	// MaxFrame bounds the payload of a frame read from the server. Zero
	// means 1 MiB + 1 KiB (the contract's 1,000,000-byte messages fit).
	MaxFrame int
	// MaxPending bounds the bytes queued per connection while the server
	// does not read; past it sends are dropped (and so count as lost).
	// Zero means 16 MiB.
	MaxPending int
	// Coalesce is how long an event loop pauses after a wake-up that found
	// many (64+) sockets ready, so frames accumulate and each read takes
	// several: under heavy load it adds at most this much to the measured
	// latencies and saves most of the generator's read syscalls; under
	// light load it never applies. Zero means none; the runner uses 250 µs.
	Coalesce time.Duration
	// Auth returns the auth object a client sends in its Socket.IO CONNECT
	// packet, as JSON text (`{"name":"bot-7"}`). Nil sends none.
	Auth func(client int) string
}

// Gen is a Socket.IO load generator: many client connections spread over a
// few epoll event loops. Its methods are called from one goroutine (the
// runner's); they hand work to the loops and wait for the answers.
type Gen struct {
	cfg     Config
	sa      unix.SockaddrInet4
	host    string
	workers []*worker
	clients []*conn
	wg      sync.WaitGroup
	closed  bool
}

// New starts the event loops; it opens no connection yet.
func New(cfg Config) (*Gen, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.PayloadBytes <= 0 {
		cfg.PayloadBytes = 100
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 1<<20 + 1<<10
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 16 << 20
	}
	ap, err := net.ResolveTCPAddr("tcp4", cfg.Addr)
	if err != nil || ap.IP.To4() == nil {
		return nil, fmt.Errorf("loadgen: address %q: want an IPv4 host:port", cfg.Addr)
	}
	g := &Gen{cfg: cfg, host: cfg.Addr}
	copy(g.sa.Addr[:], ap.IP.To4())
	g.sa.Port = ap.Port
	for i := 0; i < cfg.Workers; i++ {
		w, err := newWorker(g, i)
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("loadgen: event loop: %w", err)
		}
		g.workers = append(g.workers, w)
		g.wg.Add(1)
		go func() { defer g.wg.Done(); w.loop() }()
	}
	return g, nil
}

// Close resets every connection and stops the event loops.
func (g *Gen) Close() {
	if g.closed {
		return
	}
	g.closed = true
	for _, w := range g.workers {
		w.do(func() { w.quit = true })
	}
	g.wg.Wait()
}

// Clients is the number of clients dialled so far (connected or not).
func (g *Gen) Clients() int { return len(g.clients) }

// DialResult describes a Dial.
type DialResult struct {
	Attempted, Connected int
	Elapsed              time.Duration
	Latency              Hist // socket() to Socket.IO CONNECT answer
	FirstErr             error
}

// Rate is connections set up per second.
func (d *DialResult) Rate() float64 {
	if d.Elapsed <= 0 {
		return 0
	}
	return float64(d.Connected) / d.Elapsed.Seconds()
}

type dialOutcome struct {
	err error
	lat time.Duration
}

// Dial opens n more clients, at most concurrency set-ups in flight, each
// through TCP connect, WebSocket upgrade, Engine.IO OPEN and Socket.IO
// CONNECT to "/". It gives up on set-ups still running at timeout.
func (g *Gen) Dial(n, concurrency int, timeout time.Duration) DialResult {
	res := DialResult{}
	if concurrency <= 0 {
		concurrency = 100
	}
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	outcomes := make(chan dialOutcome, n)
	sem := make(chan struct{}, concurrency)
	timedOut := false
	failed := 0
	collect := func(o dialOutcome) {
		if o.err == nil {
			res.Connected++
			res.Latency.Record(o.lat)
			return
		}
		failed++
		if res.FirstErr == nil {
			res.FirstErr = o.err
		}
	}
	for i := 0; i < n && !timedOut; i++ {
		select {
		case sem <- struct{}{}:
		case <-deadline.C:
			timedOut = true
			continue
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			<-sem
			if res.FirstErr == nil {
				res.FirstErr = fmt.Errorf("loadgen: socket: %w", err)
			}
			break
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if err := unix.Connect(fd, &g.sa); err != nil && err != unix.EINPROGRESS {
			unix.Close(fd)
			<-sem
			if res.FirstErr == nil {
				res.FirstErr = fmt.Errorf("loadgen: connect: %w", err)
			}
			break
		}
		c := &conn{fd: fd, id: len(g.clients), dialStart: nowNS(), rng: uint64(fd)*0x9E3779B97F4A7C15 | 1}
		if g.cfg.Auth != nil {
			c.auth = g.cfg.Auth(c.id)
		}
		c.w = g.workers[c.id%len(g.workers)]
		c.dialDone = func(c *conn, err error) {
			<-sem
			outcomes <- dialOutcome{err: err, lat: time.Duration(nowNS() - c.dialStart)}
		}
		g.clients = append(g.clients, c)
		res.Attempted++
		c.w.do(func() { c.w.add(c) })
		for drained := false; !drained; { // collect what finished, without blocking
			select {
			case o := <-outcomes:
				collect(o)
			default:
				drained = true
			}
		}
	}
	// Wait for the set-ups still running; at the deadline, fail them.
	for res.Connected+failed < res.Attempted {
		if !timedOut {
			select {
			case o := <-outcomes:
				collect(o)
				continue
			case <-deadline.C:
				timedOut = true
			}
		}
		for _, w := range g.workers {
			w.call(w.failPending)
		}
		for res.Connected+failed < res.Attempted {
			collect(<-outcomes)
		}
	}
	res.Elapsed = time.Since(start)
	return res
}

// Join makes clients [from, to) join room(i) and waits for every ack. It
// returns the largest member count the server acked (0 if it acks true).
func (g *Gen) Join(from, to int, room func(i int) string, timeout time.Duration) (maxMembers int, err error) {
	acks := make(chan int, to-from)
	for i := from; i < to; i++ {
		c, r := g.clients[i], room(i)
		c.w.do(func() {
			if c.state != stReady {
				acks <- -1
				return
			}
			c.room = r
			c.ctrlCall("join", r, func(args []byte) {
				n, _ := strconv.Atoi(string(args[1 : len(args)-1]))
				acks <- n
			})
		})
	}
	deadline := time.After(timeout)
	for got := 0; got < to-from; got++ {
		select {
		case n := <-acks:
			if n < 0 {
				return maxMembers, errors.New("loadgen: join: a client is not connected")
			}
			maxMembers = max(maxMembers, n)
		case <-deadline:
			return maxMembers, fmt.Errorf("loadgen: join: %d of %d acks after %v", got, to-from, timeout)
		}
	}
	return maxMembers, nil
}

// Call emits event with rawArgs (JSON values separated by commas, as they
// go on the wire; empty for none) and an ack id from client i, and returns
// the ack's argument array as the server wrote it. Off the hot path: for
// probes.
func (g *Gen) Call(i int, event, rawArgs string, timeout time.Duration) ([]byte, error) {
	ch := make(chan []byte, 1)
	c := g.clients[i]
	c.w.do(func() {
		if c.state != stReady {
			ch <- nil
			return
		}
		c.ctrlCallRaw(event, rawArgs, func(args []byte) { ch <- args })
	})
	select {
	case args := <-ch:
		if args == nil {
			return nil, errors.New("loadgen: call: client not connected")
		}
		return args, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("loadgen: %s: no ack after %v", event, timeout)
	}
}

// ServerStats is the server's answer to the stats event.
type ServerStats struct {
	Sockets int   `json:"sockets"`
	RSS     int64 `json:"rss"`
}

// Stats asks the server, through client i, for its stats.
func (g *Gen) Stats(i int, timeout time.Duration) (ServerStats, error) {
	ch := make(chan []byte, 1)
	c := g.clients[i]
	c.w.do(func() {
		if c.state != stReady {
			ch <- nil
			return
		}
		c.ctrlCall("stats", "", func(args []byte) { ch <- args })
	})
	select {
	case args := <-ch:
		var v []ServerStats
		if args == nil {
			return ServerStats{}, errors.New("loadgen: stats: client not connected")
		}
		if err := json.Unmarshal(args, &v); err != nil || len(v) != 1 {
			return ServerStats{}, fmt.Errorf("loadgen: stats: unexpected ack %.200q", args)
		}
		return v[0], nil
	case <-time.After(timeout):
		return ServerStats{}, fmt.Errorf("loadgen: stats: no ack after %v", timeout)
	}
}

// SetWindow starts a measurement: every tally is reset, and from now on a
// delivery counts when its send time lies in [start, end).
func (g *Gen) SetWindow(start, end time.Time) {
	for _, w := range g.workers {
		w.call(func() {
			w.t = tally{winStart: start.UnixNano(), winEnd: end.UnixNano()}
		})
	}
}

// PaceSpec is an open-loop send schedule.
type PaceSpec struct {
	// Event is "fanout" or "relay" (to the room each sender joined last), or
	// "input" (the lobby game's, acked; senders must have queued).
	Event   string
	Senders []int   // client indexes
	Rate    float64 // messages per second, all senders together
	Start   time.Time
	End     time.Time // the last message is due before End
}

// Pace starts sending on the schedule in spec and returns at once. Each
// worker paces the senders it owns; their schedules interleave.
func (g *Gen) Pace(spec PaceSpec) {
	per := make([][]*conn, len(g.workers))
	for _, i := range spec.Senders {
		c := g.clients[i]
		per[c.w.idx] = append(per[c.w.idx], c)
	}
	total := float64(len(spec.Senders))
	offset := 0.0
	for wi, senders := range per {
		if len(senders) == 0 {
			continue
		}
		share := spec.Rate * float64(len(senders)) / total
		interval := 1e9 / share
		start := spec.Start.UnixNano() + int64(offset*1e9/spec.Rate)
		offset++
		count := uint64(0)
		if span := spec.End.UnixNano() - start; span > 0 {
			count = uint64((float64(span) + interval - 1) / interval)
		}
		p := &pacer{event: spec.Event, senders: senders, start: start, interval: interval, count: count}
		w := g.workers[wi]
		w.do(func() { w.pacer = p; w.timerDue = 0 })
	}
}

// Echo starts a closed loop on each client: send an acked echo, and on the
// ack send the next, until until.
func (g *Gen) Echo(clients []int, until time.Time) {
	u := until.UnixNano()
	for _, w := range g.workers {
		w.do(func() { w.echoUntil = u })
	}
	for _, i := range clients {
		c := g.clients[i]
		c.w.do(func() {
			if c.state == stReady && !c.echoPending {
				c.sendEcho(nowNS())
			}
		})
	}
}

// Collect returns the tallies of every worker merged (without resetting
// them). In the lobby game it also charges every client the ticks of the
// window after its last state (none when its states kept coming).
func (g *Gen) Collect() Tally {
	var out Tally
	for _, w := range g.workers {
		w.call(func() {
			out.add(&w.t, w.nconns)
			out.StateMissing += w.gameTail()
		})
	}
	return out
}

// LastRecv is when the last delivery arrived (zero if none since SetWindow).
func (g *Gen) LastRecv() time.Time { return g.Collect().LastRecv }
