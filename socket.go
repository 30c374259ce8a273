package actorio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/actorio/actorio/actors"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// Handshake describes how a socket connected. Node: socket.handshake.
type Handshake struct {
	Headers http.Header
	Query   url.Values
	// Auth is the CONNECT payload as JSON, with either parser ({} when the
	// client sent none; a msgpack payload's binary as base64 strings).
	// Emitted, it is sent as the object it holds. DecodeAuth decodes it
	// alike with both parsers, into a Value with its binary.
	Auth    json.RawMessage
	Address string
	Time    time.Time
	// Issued is Time in milliseconds since the epoch, as Node's.
	Issued  int64
	URL     string
	Secure  bool
	XDomain bool

	auth  []byte // the CONNECT payload as received, nil when none or not known
	codec codec  // the parser auth came with
}

// DecodeAuth fills v (a pointer) from the CONNECT payload as Args.Decode
// does from an argument, alike with both parsers: into a *Value exactly as
// sent (key order, and binary with msgpack), anything else by
// encoding/json's rules. Node: socket.handshake.auth.
func (h Handshake) DecodeAuth(v any) error {
	if h.auth != nil && h.codec != nil {
		return Args{raw: [][]byte{h.auth}, codec: h.codec}.Decode(0, v)
	}
	auth := h.Auth
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	if pv, ok := v.(*Value); ok {
		return pv.UnmarshalJSON(auth)
	}
	return json.Unmarshal(auth, v)
}

// Socket is one client's connection to one namespace. Its methods are safe
// from any goroutine. Event handlers run on the socket's own goroutine, one
// at a time, in the order the events arrived.
type Socket struct {
	id        string
	nsp       *Namespace
	client    *client
	handshake socketHandshake
	lane      lane
	connected atomic.Bool
	pid       string // private id for connection state recovery
	recovered bool   // set before the socket is shared

	mu           sync.RWMutex
	handlers     map[string]handler // each event's first handler; later ones are extras.moreHandlers
	onDisconnect []func(reason string)
	onDiscing    []func(reason string)
	rooms        []string
	data         any
	extras       *socketExtras // nil until one of them is used

	mismatched map[string]struct{} // events already logged at warn by argumentError; socket's goroutine only
	events     *socketEvents       // its EventLimit bucket; session actor only
}

// socketExtras are what few sockets use, made on first use (under the
// socket's mu), so a socket that uses none holds a nil pointer for them.
type socketExtras struct {
	anyIn       listeners[func(event string, args Args)]
	anyOut      listeners[func(event string, args []any)]
	middlewares []PacketMiddleware
	onError     []func(err error)
	watchers    []*actor.PID // actors told when it ends (actormsg.Watch)
	// moreHandlers are each event's handlers after its first, in order:
	// most events have one, which handlers holds without a slice.
	moreHandlers map[string][]handler
}

// more returns the socket's extras, made if need be. Under s.mu, locked.
func (s *Socket) more() *socketExtras {
	if s.extras == nil {
		s.extras = &socketExtras{}
	}
	return s.extras
}

// PacketMiddleware runs for every incoming event before its handlers, on
// the socket's goroutine; an error drops the event and goes to OnError.
type PacketMiddleware func(event string, args Args) error

// listeners is an ordered list of catch-all listeners, each removable by
// the function its registration returned (funcs are not comparable).
type listeners[F any] struct {
	next  int
	items []listener[F]
}

type listener[F any] struct {
	id int
	f  F
}

func (l *listeners[F]) add(f F, front bool) int {
	l.next++
	item := listener[F]{id: l.next, f: f}
	if front {
		l.items = append([]listener[F]{item}, l.items...)
	} else {
		l.items = append(l.items, item)
	}
	return l.next
}

func (l *listeners[F]) remove(id int) {
	l.items = slices.DeleteFunc(slices.Clone(l.items), func(x listener[F]) bool { return x.id == id })
}

func (l *listeners[F]) all() []F {
	out := make([]F, len(l.items))
	for i, x := range l.items {
		out[i] = x.f
	}
	return out
}

// ID is the socket's id (20 characters), also the name of its own room.
func (s *Socket) ID() string { return s.id }

// Namespace is the namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake is how the socket connected.
func (s *Socket) Handshake() Handshake {
	if h := s.handshake.full.Load(); h != nil {
		return *h
	}
	h := Handshake{Auth: s.handshake.auth, Time: s.handshake.time, Issued: s.handshake.time.UnixMilli(), auth: s.handshake.raw}
	if h.auth != nil {
		h.codec = s.client.srv.codec
	}
	s.client.withRequest(&h)
	s.handshake.full.CompareAndSwap(nil, &h) // the first one built wins: one Headers map per socket
	return *s.handshake.full.Load()
}

// socketHandshake is what a socket keeps of its Handshake: the CONNECT's
// part (auth, time). The handshake request's part (headers, query, URL)
// is built from the session's request on first use, so an idle socket
// holds no copies of them.
type socketHandshake struct {
	time time.Time
	auth json.RawMessage // Handshake.Auth
	raw  []byte          // Handshake.auth (with the server's codec), nil when none
	full atomic.Pointer[Handshake]
}

// set keeps hs; complete says it has its request part already (a 2.x
// client's, whose query the CONNECT extends).
func (h *socketHandshake) set(hs Handshake, complete bool) {
	if complete {
		h.full.Store(&hs)
		return
	}
	h.time, h.auth, h.raw = hs.Time, hs.Auth, hs.auth
}

// Connected reports whether the socket is still connected.
func (s *Socket) Connected() bool { return s.connected.Load() }

// Recovered reports whether the socket's state (id, rooms, data, missed
// packets) was restored after a reconnection.
func (s *Socket) Recovered() bool { return s.recovered }

// Transport is the transport in use: "polling" or "websocket".
func (s *Socket) Transport() string { return s.client.es.Transport() }

// Data returns the value stored with SetData.
func (s *Socket) Data() any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data
}

// SetData stores a value with the socket, readable from any goroutine.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	if a := s.nsp.server.admin.Load(); a != nil {
		a.dataChanged(s)
	}
}

// Rooms returns the rooms the socket is in, its own room first.
func (s *Socket) Rooms() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.rooms)
}

// On registers a handler for event. fn is a func whose parameters are
// the event's arguments decoded into their types, optionally followed by
// an Ack; or func(Args[, Ack]) for the raw arguments.
func (s *Socket) On(event string, fn any) error {
	h, err := newHandler(fn)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if _, ok := s.handlers[event]; ok {
		x := s.more()
		if x.moreHandlers == nil {
			x.moreHandlers = map[string][]handler{}
		}
		x.moreHandlers[event] = append(x.moreHandlers[event], h)
	} else {
		if s.handlers == nil {
			s.handlers = map[string]handler{}
		}
		s.handlers[event] = h
	}
	s.mu.Unlock()
	return nil
}

// OnAny registers a listener called for every incoming event, before the
// event's own handlers. The returned func removes it.
func (s *Socket) OnAny(f func(event string, args Args)) (off func()) {
	return s.addAny(f, false)
}

// PrependAny is OnAny, placing the listener first.
func (s *Socket) PrependAny(f func(event string, args Args)) (off func()) {
	return s.addAny(f, true)
}

func (s *Socket) addAny(f func(string, Args), front bool) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.more().anyIn.add(f, front)
	return func() {
		s.mu.Lock()
		s.extras.anyIn.remove(id)
		s.mu.Unlock()
	}
}

// OffAny removes every catch-all listener of incoming events.
func (s *Socket) OffAny() {
	s.mu.Lock()
	if s.extras != nil {
		s.extras.anyIn = listeners[func(string, Args)]{}
	}
	s.mu.Unlock()
}

// OnAnyOutgoing registers a listener called for every event this socket
// emits to its client (not broadcasts). The returned func removes it.
func (s *Socket) OnAnyOutgoing(f func(event string, args []any)) (off func()) {
	return s.addAnyOutgoing(f, false)
}

// PrependAnyOutgoing is OnAnyOutgoing, placing the listener first.
func (s *Socket) PrependAnyOutgoing(f func(event string, args []any)) (off func()) {
	return s.addAnyOutgoing(f, true)
}

func (s *Socket) addAnyOutgoing(f func(string, []any), front bool) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.more().anyOut.add(f, front)
	return func() {
		s.mu.Lock()
		s.extras.anyOut.remove(id)
		s.mu.Unlock()
	}
}

// OffAnyOutgoing removes every catch-all listener of outgoing events.
func (s *Socket) OffAnyOutgoing() {
	s.mu.Lock()
	if s.extras != nil {
		s.extras.anyOut = listeners[func(string, []any)]{}
	}
	s.mu.Unlock()
}

// Use adds packet middleware, run in order for every incoming event.
func (s *Socket) Use(mw PacketMiddleware) {
	s.mu.Lock()
	x := s.more()
	x.middlewares = append(x.middlewares, mw)
	s.mu.Unlock()
}

// OnError registers a listener for errors with the socket's incoming
// events: an error from packet middleware (the event is dropped), and an
// *ArgumentError for an argument that does not decode into the type a
// handler declares (that handler is not called). Listeners run on the
// socket's goroutine.
func (s *Socket) OnError(f func(err error)) {
	s.mu.Lock()
	x := s.more()
	x.onError = append(x.onError, f)
	s.mu.Unlock()
}

// Off removes every handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	delete(s.handlers, event)
	if s.extras != nil {
		delete(s.extras.moreHandlers, event)
	}
	s.mu.Unlock()
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while Rooms() still lists its rooms.
func (s *Socket) OnDisconnecting(f func(reason string)) {
	s.mu.Lock()
	s.onDiscing = append(s.onDiscing, f)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket has disconnected.
func (s *Socket) OnDisconnect(f func(reason string)) {
	s.mu.Lock()
	s.onDisconnect = append(s.onDisconnect, f)
	s.mu.Unlock()
}

// Join adds the socket to rooms. A broadcast emitted after Join returns,
// from the same goroutine, reaches the socket.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	for _, r := range rooms {
		if !slices.Contains(s.rooms, r) {
			s.rooms = append(s.rooms, r)
		}
	}
	s.mu.Unlock()
	s.nsp.tell(&actors.JoinRooms{ID: s.id, Rooms: rooms})
}

// JoinCount joins one room and returns its size after the join.
func (s *Socket) JoinCount(room string) int {
	s.mu.Lock()
	if !slices.Contains(s.rooms, room) {
		s.rooms = append(s.rooms, room)
	}
	s.mu.Unlock()
	done := make(chan int, 1)
	size, _ := ask(s.nsp, &actors.JoinRooms{ID: s.id, Rooms: []string{room}, Done: done}, done)
	return size
}

// Leave removes the socket from rooms.
func (s *Socket) Leave(rooms ...string) {
	s.mu.Lock()
	s.rooms = slices.DeleteFunc(s.rooms, func(r string) bool { return slices.Contains(rooms, r) })
	s.mu.Unlock()
	s.nsp.tell(&actors.LeaveRooms{ID: s.id, Rooms: rooms})
}

// To starts a broadcast to rooms that leaves this socket out.
func (s *Socket) To(rooms ...string) *BroadcastOperator {
	return s.Broadcast().To(rooms...)
}

// Broadcast starts a broadcast to the whole namespace but this socket.
func (s *Socket) Broadcast() *BroadcastOperator {
	return (&BroadcastOperator{nsp: s.nsp, origin: s}).Except(s.id)
}

// Emit sends an event to this socket's client.
func (s *Socket) Emit(event string, args ...any) error { return s.emit(event, args, emitFlags{}) }

func (s *Socket) notifyOutgoing(event string, args []any) {
	s.mu.RLock()
	var outs []func(string, []any)
	if s.extras != nil {
		outs = s.extras.anyOut.all()
	}
	s.mu.RUnlock()
	for _, f := range outs {
		f(event, args)
	}
}

// ErrDisconnected is returned for an emit that waits on a socket that has
// disconnected.
var ErrDisconnected = errors.New("actorio: socket disconnected")

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx ends (or the server's AckTimeout when ctx has no deadline). It
// may be called from inside a handler: handlers do not run on the actor
// that receives the answer. EmitWithAckFunc does not wait.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWithAck(ctx, event, args, emitFlags{})
}

// Disconnect disconnects the socket from its namespace ("server namespace
// disconnect"); with close, every socket of its connection is disconnected
// so, then the connection is closed, as Node's disconnect(true).
func (s *Socket) Disconnect(close bool) {
	s.client.es.Run(func() {
		if close {
			s.client.closeAll()
			return
		}
		s.client.serverDisconnect(s)
	})
}

type ackResult struct {
	args Args
	err  error
}

// dispatch runs an event's handlers on the socket's goroutine, which
// holds the event's inbound credit until they have run.
func (s *Socket) dispatch(name string, args Args, ack Ack, credit InboundCredit) {
	s.lane.runHolding(s.eventTask(name, args, ack), credit)
}

// dispatchDirect is dispatch for an event taken on the short path
// (direct.go): false, with credit still the caller's, once the socket's
// disconnect is queued.
func (s *Socket) dispatchDirect(name string, args Args, ack Ack, credit InboundCredit) bool {
	return s.lane.runIfOpen(s.eventTask(name, args, ack), credit)
}

// eventTask is what runs an event's handlers on the socket's lane.
func (s *Socket) eventTask(name string, args Args, ack Ack) func() {
	return func() {
		// Who hears of the event is who listened when it was dispatched:
		// the handlers may answer the client (an ack) before the
		// subscribers are told, and a client that subscribes an actor
		// once it has that answer must not hear of this event.
		listening := s.audience(true)
		var first [1]handler
		hs := first[:0]
		s.mu.RLock()
		if h, ok := s.handlers[name]; ok {
			hs = append(hs, h)
		}
		var mws []PacketMiddleware
		var anys []func(string, Args)
		if x := s.extras; x != nil {
			mws, anys = x.middlewares, x.anyIn.all()
			if more := x.moreHandlers[name]; len(more) > 0 {
				hs = append(hs, more...) // a copy: On may append meanwhile
			}
		}
		s.mu.RUnlock()
		for _, mw := range mws {
			var err error
			s.safely("packet middleware", func() { err = mw(name, args) })
			if err != nil {
				s.reportError(err)
				return
			}
		}
		for _, f := range anys {
			s.safely("any handler", func() { f(name, args) })
		}
		for _, h := range hs {
			s.safely("event handler", func() {
				err := h.call(name, args, ack)
				if ae, ok := err.(*ArgumentError); ok {
					s.argumentError(ae)
					return
				}
				if err != nil {
					s.nsp.server.opts.Logger.Debug().Str("sid", s.id).Str("nsp", s.nsp.name).Str("event", name).Err(err).Msg("event handler failed")
				}
			})
		}
		listening.tell(s, func() any {
			return &actormsg.Event{Socket: s.name(), Name: name, Args: args, Ack: actormsg.NewAck(ack.Requested(), ack.Send)}
		})
	}
}

// argumentError reports an event a handler could not take: counted, logged
// at warn level once per event name for this socket (a client that repeats
// it cannot flood the log; the count and the listeners see every one), and
// handed to the error listeners. Socket's goroutine only.
func (s *Socket) argumentError(ae *ArgumentError) {
	s.nsp.server.stats.countDecodeError(s.nsp.name)
	log := s.nsp.server.opts.Logger
	level := zerolog.DebugLevel
	if _, seen := s.mismatched[ae.Event]; !seen {
		if s.mismatched == nil {
			s.mismatched = map[string]struct{}{}
		}
		s.mismatched[ae.Event] = struct{}{}
		level = zerolog.WarnLevel
	}
	// The decoder's message can quote the payload: trace level only.
	log.WithLevel(level).Str("sid", s.id).Str("nsp", s.nsp.name).Str("event", ae.Event).Int("arg", ae.Index).
		Stringer("type", ae.Type).Msg("event argument does not match the handler; handler not called")
	log.Trace().Str("sid", s.id).Str("nsp", s.nsp.name).Str("event", ae.Event).Int("arg", ae.Index).Err(ae.Err).Msg("event argument decode error")
	s.reportError(ae)
}

// reportError hands err to the OnError listeners. Socket's goroutine only.
func (s *Socket) reportError(err error) {
	s.mu.RLock()
	var onErr []func(error)
	if s.extras != nil {
		onErr = s.extras.onError
	}
	s.mu.RUnlock()
	for _, f := range onErr {
		s.safely("error handler", func() { f(err) })
	}
}

// safely runs user code; a panic is logged and costs only this socket.
func (s *Socket) safely(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.nsp.server.opts.Logger.Error().Str("sid", s.id).Str("nsp", s.nsp.name).Interface("panic", r).Msg(what + " panicked")
			s.Disconnect(false)
		}
	}()
	f()
}
