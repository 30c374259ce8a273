package actorio

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/asynkron/protoactor-go/actor"
)

// Middleware runs when a socket asks to join a namespace; an error refuses
// it (CONNECT_ERROR with the error's message, and its Data if it is a
// *ConnectError). Middleware runs on the socket's own goroutine and may block.
type Middleware func(s *Socket) error

// ConnectError refuses a connection with a message and optional data, as
// `next(err)` with err.data in Node.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// Namespace is a communication channel that splits the logic of an
// application over one shared connection. Its sockets and rooms live in a
// namespace actor; this is the handle on it. Safe for concurrent use.
type Namespace struct {
	name   string
	server *Server
	pid    *actor.PID

	ackIDs  atomic.Uint64 // ack ids of every emit of this namespace, as Node's nsp._ids
	parent  *ParentNamespace
	removed atomic.Bool   // an empty child that was cleaned up
	failed  chan struct{} // closed if the namespace actor failed

	mu          sync.RWMutex
	middlewares []Middleware
	onConnect   []func(*Socket)
	serverSide  map[string][]handler
	onRoom      []func(RoomEvent)
	lane        lane           // runs server-side and room-event handlers in order
	queue       namespaceQueue // bounds them (namespace_queue.go)

	subscribers  []*actor.PID            // actors told of every socket's traffic (actormsg)
	socketSubs   map[string][]*actor.PID // by socket id: kept while the socket may be recovered
	roomWatchers map[string][]*actor.PID // actors told when a room ends (actormsg.WatchRoom)
}

func (n *Namespace) nextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

func newNamespace(s *Server, name string) *Namespace {
	n := &Namespace{name: name, server: s, failed: make(chan struct{})}
	n.lane.use(s.engine.workers)
	n.pid = s.spawnNamespace(n)
	return n
}

// ErrNamespaceFailed is returned by every operation on a namespace whose
// actor failed: its registry of sockets and rooms is gone, so nothing it
// would answer can be trusted. The failure is logged at error level and
// counted (actorio_actor_failures_total{kind="namespace"}).
var ErrNamespaceFailed = errors.New("actorio: namespace actor failed")

// fail runs in the root actor when the namespace actor has failed: every
// caller waiting on it is released, later calls fail at once, new
// connections are refused, and its sockets are disconnected, so clients
// learn of it instead of waiting on a namespace that no longer works.
func (n *Namespace) fail() {
	close(n.failed)
	n.server.engine.each(func(es *EngineSession) {
		es.Run(func() {
			c, ok := es.State().(*client)
			if !ok {
				return
			}
			if s := c.sockets.get(n.name); s != nil {
				c.serverDisconnect(s)
			}
		})
	})
}

// hasFailed reports whether the namespace actor failed.
func (n *Namespace) hasFailed() bool {
	select {
	case <-n.failed:
		return true
	default:
		return false
	}
}

// RoomEvent is a change of a room, as Node's adapter reports it: Kind is
// "create-room", "delete-room", "join-room" or "leave-room"; ID is the
// socket's (empty for create and delete).
type RoomEvent struct {
	Kind, Room, ID string
}

// OnRoomEvent registers a handler for room events. Handlers run in order,
// off the actors, one at a time per namespace.
func (n *Namespace) OnRoomEvent(f func(RoomEvent)) {
	n.mu.Lock()
	n.onRoom = append(n.onRoom, f)
	n.mu.Unlock()
}

// roomEvent is called by the namespace actor: it only queues the handlers.
func (n *Namespace) roomEvent(kind, room, id string) {
	if w, ok := n.server.opts.Adapter.(adapter.RoomWatcher); ok {
		switch kind {
		case actors.RoomCreated:
			w.RoomCreated(n.name, room)
		case actors.RoomDeleted:
			w.RoomDeleted(n.name, room)
		}
	}
	if kind == actors.RoomDeleted {
		n.roomEnded(room)
	}
	n.mu.RLock()
	hs := n.onRoom
	n.mu.RUnlock()
	if len(hs) == 0 {
		return
	}
	ev := RoomEvent{Kind: kind, Room: room, ID: id}
	n.runQueued(queuedRoomEvent, func() {
		for _, f := range hs {
			f(ev)
		}
	})
}

// Name is the namespace's name, "/" for the main one.
func (n *Namespace) Name() string { return n.name }

// PID is the namespace actor, under the server's root actor: watch it to
// learn when the namespace ends. Its messages are Actorio's own; actors of
// yours speak to the server through Server.Gateway (package actormsg).
func (n *Namespace) PID() *actor.PID { return n.pid }

// Use adds connect middleware, run in the order added.
func (n *Namespace) Use(mw Middleware) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, mw)
	n.mu.Unlock()
}

// OnConnection registers a handler for each socket that connects.
func (n *Namespace) OnConnection(f func(*Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, f)
	n.mu.Unlock()
}

// prependConnection registers f to run before every other connection
// handler of the namespace (Node: nsp.prependListener("connection")).
func (n *Namespace) prependConnection(f func(*Socket)) {
	n.mu.Lock()
	n.onConnect = append([]func(*Socket){f}, n.onConnect...)
	n.mu.Unlock()
}

func (n *Namespace) tell(msg any) { n.server.engine.system.Root.Send(n.pid, msg) }

// ask sends msg, which carries reply, and waits for the namespace actor's
// answer; it gives up (zero value) once the server stops, the namespace was
// removed, or its actor failed (ErrNamespaceFailed), since a stopped actor
// never answers.
func ask[T any](n *Namespace, msg any, reply <-chan T) (T, error) {
	var zero T
	if n.removed.Load() {
		return zero, nil
	}
	if n.hasFailed() {
		return zero, ErrNamespaceFailed
	}
	n.tell(msg)
	select {
	case v := <-reply:
		return v, nil
	case <-n.server.engine.stopped:
		return zero, ErrClosing
	case <-n.failed:
		return zero, ErrNamespaceFailed
	}
}

// To starts a broadcast to the sockets in rooms.
func (n *Namespace) To(rooms ...string) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).To(rooms...)
}

// In is To.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.To(rooms...) }

// Except starts a broadcast to every socket but those in rooms.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).Except(rooms...)
}

// Timeout starts a broadcast with acks bounded by d.
func (n *Namespace) Timeout(d time.Duration) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).Timeout(d)
}

// EmitWithAck broadcasts to every socket of the namespace and collects
// one answer from each (see BroadcastOperator.EmitWithAck).
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return (&BroadcastOperator{nsp: n}).EmitWithAck(ctx, event, args...)
}

// FetchSockets returns every socket of the namespace, cluster-wide.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return (&BroadcastOperator{nsp: n}).FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(rooms ...string) error {
	return (&BroadcastOperator{nsp: n}).SocketsJoin(rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(rooms ...string) error {
	return (&BroadcastOperator{nsp: n}).SocketsLeave(rooms...)
}

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(close bool) error {
	return (&BroadcastOperator{nsp: n}).DisconnectSockets(close)
}

// ServerSideEmit sends an event to this namespace on the other servers of
// the cluster; their OnServerSideEmit handlers receive it. Alone it does
// nothing, as in Node (serverSideEmit).
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	a, err := n.serverSideArgs(event, args)
	if err != nil {
		return err
	}
	return n.server.opts.Adapter.ServerSideEmit(context.Background(), n.name, a)
}

// ServerSideEmitWithAck sends an event to this namespace on the other
// servers and returns one answer per server (the first argument its
// handler acked with), as Node's serverSideEmitWithAck. It waits until
// every other server has answered or ctx ends (bounded by the server's
// AckTimeout when ctx has no deadline); then it returns the answers that
// came with an error. Alone it returns no answers at once.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	a, err := n.serverSideArgs(event, args)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok && n.server.opts.AckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.server.opts.AckTimeout)
		defer cancel()
	}
	answers, err := n.server.opts.Adapter.ServerSideEmitWithAck(ctx, n.name, a)
	out := make([]Args, len(answers))
	for i, x := range answers {
		out[i] = Args{raw: x.Raw, atts: x.Attachments, codec: n.server.codec}
	}
	return out, err
}

func (n *Namespace) serverSideArgs(event string, args []any) (adapter.Args, error) {
	data, atts, err := n.server.codec.encode(event, args)
	if err != nil {
		return adapter.Args{}, err
	}
	raw, err := n.server.codec.split(data)
	if err != nil {
		return adapter.Args{}, err
	}
	return adapter.Args{Raw: raw, Attachments: atts}, nil
}

// AllRooms lists the namespace's rooms on every server of the cluster
// (socket ids included), as Node's adapter.allRooms.
func (n *Namespace) AllRooms(ctx context.Context) ([]string, error) {
	rooms := localSide{n.server}.Rooms(n.name)
	remote, err := n.server.opts.Adapter.AllRooms(ctx, n.name)
	for _, r := range remote {
		if !slices.Contains(rooms, r) {
			rooms = append(rooms, r)
		}
	}
	return rooms, err
}

// OnServerSideEmit registers a handler for events other servers send with
// ServerSideEmit; fn takes decoded arguments as Socket.On's handlers do.
func (n *Namespace) OnServerSideEmit(event string, fn any) error {
	h, err := newHandler(fn)
	if err != nil {
		return err
	}
	n.mu.Lock()
	if n.serverSide == nil {
		n.serverSide = map[string][]handler{}
	}
	n.serverSide[event] = append(n.serverSide[event], h)
	n.mu.Unlock()
	return nil
}

// Local starts a broadcast to this server's sockets only (Node's
// nsp.local).
func (n *Namespace) Local() *BroadcastOperator { return (&BroadcastOperator{nsp: n}).Local() }

// Volatile starts a broadcast that may be dropped for slow clients.
func (n *Namespace) Volatile() *BroadcastOperator { return (&BroadcastOperator{nsp: n}).Volatile() }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return (&BroadcastOperator{nsp: n}).Emit(event, args...)
}

// SocketCount is the number of sockets connected to the namespace.
func (n *Namespace) SocketCount() int {
	reply := make(chan int, 1)
	count, _ := ask(n, &actors.CountSockets{Reply: reply}, reply)
	return count
}

// RoomSize is the number of sockets in room.
func (n *Namespace) RoomSize(room string) int {
	reply := make(chan int, 1)
	size, _ := ask(n, &actors.CountRoom{Room: room, Reply: reply}, reply)
	return size
}

// snapshot returns the middleware and connection handlers to run: a
// parent's first, then the namespace's own.
func (n *Namespace) snapshot() ([]Middleware, []func(*Socket)) {
	var mws []Middleware
	var onConnect []func(*Socket)
	if p := n.parent; p != nil {
		p.mu.RLock()
		mws, onConnect = append(mws, p.middlewares...), append(onConnect, p.onConnect...)
		p.mu.RUnlock()
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return append(mws, n.middlewares...), append(onConnect, n.onConnect...)
}
