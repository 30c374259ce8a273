package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// DefaultRequestsTimeout is Node's DEFAULT_TIMEOUT: how long a request
// waits for the other servers' answers.
const DefaultRequestsTimeout = 5 * time.Second

// responseQueue bounds the answers waiting to go to other servers.
const responseQueue = 1024

// Transport is what a concrete adapter gives Core: Node's doPublish,
// doPublishResponse and serverCount.
type Transport interface {
	// Publish sends m to every other server of namespace m.Nsp. offset is
	// the name the transport gave it where it keeps messages (a stream
	// entry id), empty otherwise.
	Publish(ctx context.Context, m *Message) (offset string, err error)
	// PublishResponse sends r to the server whose uid is requesterUID.
	PublishResponse(ctx context.Context, requesterUID string, r *Message) error
	// ServerCount is how many servers have namespace nsp, this one
	// included.
	ServerCount(ctx context.Context, nsp string) (int, error)
}

// Options configure a Core.
type Options struct {
	// RequestsTimeout bounds how long a request waits for the other
	// servers' answers when its context allows longer. Zero means 5s, as
	// Node's DEFAULT_TIMEOUT.
	RequestsTimeout time.Duration
	// Logger receives Core's debug lines. The zero value logs nothing.
	Logger zerolog.Logger
}

// ErrClosed is returned once Close has been called.
var ErrClosed = errors.New("cluster: adapter closed")

// ErrNotAttached is returned by a call that needs the server's local side
// before Attach.
var ErrNotAttached = errors.New("cluster: adapter not attached to a server")

// Core is the cluster protocol of one server: Node's ClusterAdapter for
// all its namespaces, under one uid.
type Core struct {
	t       Transport
	uid     string
	timeout time.Duration
	log     zerolog.Logger

	local atomic.Pointer[adapter.Local]

	mu       sync.Mutex
	closed   bool
	nsps     map[string]bool
	requests map[string]*request
	acks     map[string]*ackRequest

	responses     chan response
	done          chan struct{}
	wg            sync.WaitGroup
	publishErrors atomic.Uint64
}

// request is a FETCH_SOCKETS or SERVER_SIDE_EMIT waiting for its answers.
type request struct {
	expected, current int
	responses         []any
	complete          chan struct{} // closed when current reaches expected
}

// ackRequest is a broadcast with acks, until its timeout.
type ackRequest struct {
	clientCount func(int)
	ack         func(adapter.Args)
	counted     chan struct{} // one send per server that reported its count
	timer       *time.Timer
}

type response struct {
	to string
	m  *Message
}

// New returns a Core that publishes through t. Its uid is random, as
// Node's randomId.
func New(t Transport, opts Options) *Core {
	if opts.RequestsTimeout <= 0 {
		opts.RequestsTimeout = DefaultRequestsTimeout
	}
	c := &Core{
		t: t, uid: RandomID(), timeout: opts.RequestsTimeout, log: opts.Logger,
		nsps: map[string]bool{}, requests: map[string]*request{}, acks: map[string]*ackRequest{},
		responses: make(chan response, responseQueue), done: make(chan struct{}),
	}
	c.wg.Add(1)
	go c.sendResponses()
	return c
}

// RandomID is Node's randomId: 8 random bytes in hex.
func RandomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// UID is this server's id in the cluster.
func (c *Core) UID() string { return c.uid }

// PublishErrors counts the messages that could not be sent.
func (c *Core) PublishErrors() uint64 { return c.publishErrors.Load() }

// Attach hands Core the server's local side.
func (c *Core) Attach(l adapter.Local) error {
	if l == nil {
		return errors.New("cluster: Attach(nil)")
	}
	if !c.local.CompareAndSwap(nil, &l) {
		return errors.New("cluster: already attached")
	}
	return nil
}

// AddNamespace records that the server has namespace nsp: messages for
// namespaces it was not told of are ignored, as each Node adapter ignores
// other namespaces'.
func (c *Core) AddNamespace(nsp string) {
	c.mu.Lock()
	c.nsps[nsp] = true
	c.mu.Unlock()
}

// Namespaces lists the namespaces added so far.
func (c *Core) Namespaces() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.nsps))
	for n := range c.nsps {
		out = append(out, n)
	}
	return out
}

func (c *Core) hasNamespace(nsp string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nsps[nsp]
}

func (c *Core) attached() (adapter.Local, error) {
	l := c.local.Load()
	if l == nil {
		return nil, ErrNotAttached
	}
	return *l, nil
}

// publish stamps m with this server's uid and sends it.
func (c *Core) publish(ctx context.Context, nsp string, t MessageType, data *value.Map) (string, error) {
	select {
	case <-c.done:
		return "", ErrClosed
	default:
	}
	offset, err := c.t.Publish(ctx, &Message{UID: c.uid, Nsp: nsp, Type: t, Data: data})
	if err != nil {
		c.publishErrors.Add(1)
		return "", fmt.Errorf("cluster: publish to namespace %s: %w", nsp, err)
	}
	return offset, nil
}

// Broadcast publishes a packet to the other servers.
func (c *Core) Broadcast(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) error {
	_, err := c.BroadcastOffset(ctx, p, opts)
	return err
}

// BroadcastOffset publishes a packet to the other servers and returns the
// offset the transport gave it.
func (c *Core) BroadcastOffset(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) (string, error) {
	l, err := c.attached()
	if err != nil {
		return "", err
	}
	pkt, err := encodePacket(l.Format(), p)
	if err != nil {
		return "", fmt.Errorf("cluster: broadcast: %w", err)
	}
	return c.publish(ctx, p.Nsp(), Broadcast, object("packet", pkt, "opts", encodeOptions(opts)))
}

// BroadcastWithAck publishes a broadcast that asks for acks. Each server
// answers with its client count (clientCount), then each client's answer
// (ack), until the flags' timeout, as Node keeps its ackRequests. It
// returns once every other server has reported its count, or when ctx
// ends: then the caller's own wait says what is missing.
func (c *Core) BroadcastWithAck(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) error {
	l, err := c.attached()
	if err != nil {
		return err
	}
	pkt, err := encodePacket(l.Format(), p)
	if err != nil {
		return fmt.Errorf("cluster: broadcast: %w", err)
	}
	servers, err := c.t.ServerCount(ctx, p.Nsp())
	if err != nil {
		return fmt.Errorf("cluster: server count: %w", err)
	}
	expected := servers - 1
	if expected <= 0 {
		return nil
	}
	id := RandomID()
	a := &ackRequest{clientCount: clientCount, ack: ack, counted: make(chan struct{}, expected)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.acks[id] = a
	// Node cleans up after flags.timeout; without one, after the caller's
	// deadline or the requests timeout.
	a.timer = time.AfterFunc(c.ackLifetime(ctx, opts), func() { c.forgetAck(id) })
	c.mu.Unlock()

	data := object("packet", pkt, "requestId", id, "opts", encodeOptions(opts))
	if _, err := c.publish(ctx, p.Nsp(), Broadcast, data); err != nil {
		c.forgetAck(id)
		return err
	}
	for range expected {
		select {
		case <-a.counted:
		case <-ctx.Done():
			return nil
		case <-c.done:
			return ErrClosed
		}
	}
	return nil
}

func (c *Core) ackLifetime(ctx context.Context, opts adapter.BroadcastOptions) time.Duration {
	if opts.Flags.TimeoutMillis > 0 {
		return time.Duration(opts.Flags.TimeoutMillis) * time.Millisecond
	}
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return c.timeout
}

func (c *Core) forgetAck(id string) {
	c.mu.Lock()
	if a, ok := c.acks[id]; ok {
		a.timer.Stop()
		delete(c.acks, id)
	}
	c.mu.Unlock()
}

// AddSockets, DelSockets and DisconnectSockets publish to the other
// servers; Node does not wait for them either.
func (c *Core) AddSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	_, err := c.publish(ctx, nsp, SocketsJoin, object("opts", encodeOptions(opts), "rooms", stringValues(rooms)))
	return err
}

func (c *Core) DelSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	_, err := c.publish(ctx, nsp, SocketsLeave, object("opts", encodeOptions(opts), "rooms", stringValues(rooms)))
	return err
}

func (c *Core) DisconnectSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, closeConn bool) error {
	_, err := c.publish(ctx, nsp, DisconnectSockets, object("opts", encodeOptions(opts), "close", closeConn))
	return err
}

// FetchSockets asks the other servers for their matching sockets and waits
// for serverCount-1 answers, until the flags' timeout (or the requests
// timeout) or ctx ends; then it returns what came with an error.
func (c *Core) FetchSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	timeout := c.timeout
	if opts.Flags.TimeoutMillis > 0 {
		timeout = time.Duration(opts.Flags.TimeoutMillis) * time.Millisecond
	}
	id := RandomID()
	answers, err := c.request(ctx, nsp, FetchSockets, id, object("opts", encodeOptions(opts), "requestId", id), timeout)
	var out []adapter.SocketInfo
	for _, a := range answers {
		info, ierr := socketInfo(a)
		if ierr != nil {
			c.log.Debug().Str("nsp", nsp).Err(ierr).Msg("invalid socket in a fetchSockets answer")
			continue
		}
		out = append(out, info)
	}
	return out, err
}

// ServerSideEmit publishes args (args.Raw[0] the event name) to the other
// servers.
func (c *Core) ServerSideEmit(ctx context.Context, nsp string, args adapter.Args) error {
	l, err := c.attached()
	if err != nil {
		return err
	}
	packet, err := argsValues(l.Format(), args)
	if err != nil {
		return fmt.Errorf("cluster: serverSideEmit: %w", err)
	}
	_, err = c.publish(ctx, nsp, ServerSideEmit, object("packet", packet))
	return err
}

// ServerSideEmitWithAck publishes args asking each other server for one
// answer, and waits for serverCount-1 of them.
func (c *Core) ServerSideEmitWithAck(ctx context.Context, nsp string, args adapter.Args) ([]adapter.Args, error) {
	l, err := c.attached()
	if err != nil {
		return nil, err
	}
	packet, err := argsValues(l.Format(), args)
	if err != nil {
		return nil, fmt.Errorf("cluster: serverSideEmit: %w", err)
	}
	id := RandomID()
	answers, err := c.request(ctx, nsp, ServerSideEmit, id, object("requestId", id, "packet", packet), c.timeout)
	out := make([]adapter.Args, 0, len(answers))
	for _, a := range answers {
		args, aerr := value.ToArgs(l.Format(), []any{a})
		if aerr != nil {
			c.log.Debug().Str("nsp", nsp).Err(aerr).Msg("invalid serverSideEmit answer")
			continue
		}
		out = append(out, args)
	}
	return out, err
}

// AllRooms lists the rooms of the other servers' sockets. The cluster
// protocol has no allRooms request (only Node's classic Redis adapter has
// one), so it asks with FETCH_SOCKETS, which every Node server of the
// cluster answers: a room with no socket does not exist in Node either.
func (c *Core) AllRooms(ctx context.Context, nsp string) ([]string, error) {
	sockets, err := c.FetchSockets(ctx, nsp, adapter.BroadcastOptions{Flags: adapter.Flags{Compress: true}})
	seen := map[string]bool{}
	var out []string
	for _, s := range sockets {
		for _, r := range s.Rooms {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out, err
}

// ServerCount is how many servers have the main namespace.
func (c *Core) ServerCount(ctx context.Context) (int, error) {
	return c.t.ServerCount(ctx, sio.DefaultNamespace)
}

// request publishes a request and waits for serverCount-1 answers.
func (c *Core) request(ctx context.Context, nsp string, t MessageType, id string, data *value.Map, timeout time.Duration) ([]any, error) {
	servers, err := c.t.ServerCount(ctx, nsp)
	if err != nil {
		return nil, fmt.Errorf("cluster: server count: %w", err)
	}
	expected := servers - 1
	if expected <= 0 {
		return nil, nil
	}
	r := &request{expected: expected, complete: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.requests[id] = r
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.requests, id)
		c.mu.Unlock()
	}()
	if _, err := c.publish(ctx, nsp, t, data); err != nil {
		return nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-r.complete:
		return r.responses, nil // complete: nobody writes them any more
	case <-timer.C:
	case <-ctx.Done():
	case <-c.done:
		return nil, ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.requests, id)
	return r.responses, fmt.Errorf("cluster: timeout reached: only %d responses received out of %d", r.current, r.expected)
}

// OnMessage applies a message from another server, as Node's
// ClusterAdapter.onMessage. offset is the name the transport gave it (a
// stream entry id), or empty. Messages from this server and for namespaces
// it does not have are ignored; invalid ones are logged at debug and
// dropped, as Node drops them.
func (c *Core) OnMessage(m *Message, offset string) {
	if m.UID == c.uid || !c.hasNamespace(m.Nsp) {
		return
	}
	if m.Type.IsResponse() {
		c.OnResponse(m)
		return
	}
	l, err := c.attached()
	if err != nil {
		return
	}
	if err := c.apply(l, m, offset); err != nil {
		c.log.Debug().Str("nsp", m.Nsp).Int("type", int(m.Type)).Str("uid", m.UID).Err(err).Msg("cluster message dropped")
	}
}

func (c *Core) apply(l adapter.Local, m *Message, offset string) error {
	f := l.Format()
	if m.Data == nil && m.Type >= Broadcast && m.Type <= ServerSideEmit {
		return invalid("type %d without data", m.Type)
	}
	switch m.Type {
	case Broadcast:
		packet, opts, id, err := BroadcastOf(m.Data)
		if err != nil {
			return err
		}
		p, err := PacketSIO(f, packet, m.Nsp)
		if err != nil {
			return err
		}
		if id == "" {
			l.Broadcast(p, opts, offset)
			return nil
		}
		from, nsp := m.UID, m.Nsp
		l.BroadcastWithAck(p, opts, func(n int) {
			c.respond(from, nsp, BroadcastClientCount, object("requestId", id, "clientCount", int64(n)))
		}, func(a adapter.Args) {
			arg, err := firstArg(f, a)
			if err != nil {
				c.log.Debug().Str("nsp", nsp).Err(err).Msg("ack not forwarded")
				return
			}
			c.respond(from, nsp, BroadcastAck, object("requestId", id, "packet", arg))
		})
	case SocketsJoin, SocketsLeave:
		o, _ := get(m.Data, "opts")
		opts, err := decodeOptions(o)
		if err != nil {
			return err
		}
		rooms, err := stringList(m.Data, "rooms")
		if err != nil {
			return err
		}
		if m.Type == SocketsJoin {
			l.AddSockets(m.Nsp, opts, rooms)
		} else {
			l.DelSockets(m.Nsp, opts, rooms)
		}
	case DisconnectSockets:
		o, _ := get(m.Data, "opts")
		opts, err := decodeOptions(o)
		if err != nil {
			return err
		}
		l.DisconnectSockets(m.Nsp, opts, truthy(m.Data, "close"))
	case FetchSockets:
		o, _ := get(m.Data, "opts")
		opts, err := decodeOptions(o)
		if err != nil {
			return err
		}
		id, _ := str(m.Data, "requestId")
		sockets := []any{}
		for _, s := range l.FetchSockets(m.Nsp, opts) {
			v, err := socketValue(s)
			if err != nil {
				return err
			}
			sockets = append(sockets, v)
		}
		c.respond(m.UID, m.Nsp, FetchSocketsResponse, object("requestId", id, "sockets", sockets))
	case ServerSideEmit:
		pv, _ := get(m.Data, "packet")
		packet, ok := pv.([]any)
		if !ok {
			return invalid("serverSideEmit packet is %T, not an array", pv)
		}
		args, err := value.ToArgs(f, packet)
		if err != nil {
			return err
		}
		var ack func(adapter.Args)
		if id, ok := str(m.Data, "requestId"); ok {
			from, nsp := m.UID, m.Nsp
			ack = func(a adapter.Args) {
				arg, err := firstArg(f, a)
				if err != nil {
					c.log.Debug().Str("nsp", nsp).Err(err).Msg("serverSideEmit answer not sent")
					return
				}
				c.respond(from, nsp, ServerSideEmitResponse, object("requestId", id, "packet", arg))
			}
		}
		l.ServerSideEmit(m.Nsp, args, ack)
	case InitialHeartbeat, Heartbeat, AdapterClose:
		// The heartbeat variant's; this one counts servers with the transport.
	}
	return nil
}

// respond queues an answer to another server.
func (c *Core) respond(to, nsp string, t MessageType, data *value.Map) {
	r := response{to: to, m: &Message{UID: c.uid, Nsp: nsp, Type: t, Data: data}}
	select {
	case c.responses <- r:
		return
	case <-c.done:
		return
	default:
	}
	// Full: wait as long as a request would, then give up loudly.
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case c.responses <- r:
	case <-c.done:
	case <-timer.C:
		c.publishErrors.Add(1)
		c.log.Warn().Str("nsp", nsp).Int("type", int(t)).Msg("answer to another server dropped: the response queue stayed full")
	}
}

// sendResponses publishes the queued answers in order.
func (c *Core) sendResponses() {
	defer c.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case r := <-c.responses:
			ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
			err := c.t.PublishResponse(ctx, r.to, r.m)
			cancel()
			if err != nil {
				c.publishErrors.Add(1)
				c.log.Debug().Str("nsp", r.m.Nsp).Int("type", int(r.m.Type)).Err(err).Msg("answer to another server not sent")
			}
		}
	}
}

// OnResponse applies an answer to one of this server's requests, as Node's
// ClusterAdapter.onResponse.
func (c *Core) OnResponse(m *Message) {
	id, _ := str(m.Data, "requestId")
	switch m.Type {
	case BroadcastClientCount, BroadcastAck:
		c.mu.Lock()
		a := c.acks[id]
		c.mu.Unlock()
		if a == nil {
			return
		}
		if m.Type == BroadcastClientCount {
			n, _ := integer(m.Data, "clientCount")
			a.clientCount(int(n))
			select {
			case a.counted <- struct{}{}:
			default: // more answers than servers counted: nobody waits for them
			}
			return
		}
		l, err := c.attached()
		if err != nil {
			return
		}
		packet, _ := get(m.Data, "packet")
		args, err := value.ToArgs(l.Format(), []any{packet})
		if err != nil {
			c.log.Debug().Str("nsp", m.Nsp).Err(err).Msg("invalid ack from another server")
			return
		}
		a.ack(args)
	case FetchSocketsResponse, ServerSideEmitResponse:
		var add []any
		if m.Type == FetchSocketsResponse {
			sv, _ := get(m.Data, "sockets")
			add, _ = sv.([]any)
		} else {
			packet, _ := get(m.Data, "packet")
			add = []any{packet}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		r := c.requests[id]
		if r == nil || r.current >= r.expected {
			return
		}
		r.current++
		r.responses = append(r.responses, add...)
		if r.current == r.expected {
			close(r.complete)
			delete(c.requests, id)
		}
	}
}

// Close fails the pending requests with ErrClosed, forgets the ack
// requests and stops the response queue. It does not close the transport.
func (c *Core) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.done)
	for id, a := range c.acks {
		a.timer.Stop()
		delete(c.acks, id)
	}
	c.mu.Unlock()
	c.wg.Wait()
}
