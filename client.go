package actorio

// The Socket.IO side of one Engine.IO session. Its state lives in the
// session actor: every method here runs inside it (EngineHandler callbacks
// or EngineSession.Run), so it needs no lock. User code never runs here; it
// goes to each socket's lane.

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/transport"
)

// Disconnect reasons that only the Socket.IO layer gives.
const (
	reasonClientNamespaceDisconnect = "client namespace disconnect"
	reasonServerNamespaceDisconnect = "server namespace disconnect"
)

type client struct {
	srv     *Server
	es      *EngineSession
	decoder sio.PacketDecoder
	sockets nspSockets                 // one per namespace
	joining []string                   // namespaces whose middleware is running; nil when none
	acks    map[ackKey]func(ackResult) // expected acks, each answer called once; nil until the first
	closed  bool
	eio3    bool // a Socket.IO 2.x client (Engine.IO v3): client_eio3.go
	// ended is done once the session has ended (after every expected ack
	// was answered): what waits on an ack without a goroutine
	// (EmitWithAckFunc) hooks onto it with context.AfterFunc. Made on first
	// use (endedContext), so a connection that never needs it pays 8 bytes.
	ended atomic.Pointer[endSignal]
	// connectTimer closes a connection that joins no namespace in time;
	// stopped and dropped once one is joined, or when the session ends,
	// so it outlives no session.
	connectTimer *time.Timer
	conn         atomic.Pointer[Conn] // made by the first Socket.Conn call
	// route is what the short path of an event (direct.go) reads: a copy
	// of sockets, published by the session actor; nil when it must not be
	// taken.
	route atomic.Pointer[nspSockets]

	// The Engine.IO messages of a packet whose binary attachments are
	// still arriving: they hold no credit while they wait (see
	// OnMessageWithCredit), the decoder bounds them.
	partialMsgs, partialBytes int
}

// nspSockets are a client's sockets, one per namespace, in the order they
// joined: a slice, since a client uses one namespace or a few.
type nspSockets []*Socket

func (l nspSockets) get(nsp string) *Socket {
	for _, s := range l {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

func (l *nspSockets) remove(s *Socket) {
	if i := slices.Index(*l, s); i >= 0 {
		*l = slices.Delete(*l, i, i+1)
	}
	if len(*l) == 0 {
		*l = nil // a client that leaves every namespace holds no array
	}
}

// joined ends nsp's joining (accepted or refused).
func (c *client) joined(nsp string) {
	if i := slices.Index(c.joining, nsp); i >= 0 {
		c.joining = slices.Delete(c.joining, i, i+1)
	}
	if len(c.joining) == 0 {
		c.joining = nil // no array kept while nothing joins
	}
}

// stopConnectTimer stops the connect timeout and lets it go: once a
// namespace is joined it has nothing left to do.
func (c *client) stopConnectTimer() {
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
}

// ackKey names an expected ack: ids come from the namespace's counter, as
// in Node, so a broadcast with acks uses one id for all its recipients.
type ackKey struct {
	nsp string
	id  uint64
}

// engineSide is the Server as its Engine's handler: the Engine.IO events
// stay off the Server's public API.
type engineSide struct{ s *Server }

func (e engineSide) OnOpen(es *EngineSession) { e.s.onOpen(es) }
func (e engineSide) OnMessage(es *EngineSession, data []byte, binary bool) {
	e.s.onMessage(es, data, binary, InboundCredit{})
}
func (e engineSide) OnMessageWithCredit(es *EngineSession, data []byte, binary bool, credit InboundCredit) {
	e.s.onMessage(es, data, binary, credit)
}
func (e engineSide) OnClose(es *EngineSession, reason string) { e.s.onClose(es, reason) }

// OnUpgrade (EngineUpgradeHandler) tells the admin UI, when instrumented,
// of the sockets' new transport (Node: socket.conn.on("upgrade")).
func (e engineSide) OnUpgrade(es *EngineSession) {
	if a := e.s.admin.Load(); a != nil {
		for _, s := range es.State().(*client).sockets {
			a.transportUpgraded(s)
		}
	}
}

// onOpen gives a new Engine.IO session its Socket.IO client state.
func (s *Server) onOpen(es *EngineSession) {
	c := &client{srv: s, es: es, decoder: s.codec.parser().NewDecoder(0)}
	es.SetState(c)
	if es.Protocol() == 3 {
		c.eio3 = true
		c.connectEIO3("/", InboundCredit{}) // as Node: a 2.x client is in "/" from the start
	} else {
		es.SetDirect(c) // direct.go
	}
	c.connectTimer = time.AfterFunc(s.opts.ConnectTimeout, func() {
		es.Run(func() {
			if !c.closed && len(c.sockets) == 0 && len(c.joining) == 0 {
				es.Close() // joined no namespace in time
			}
		})
	})
}

// onMessage (EngineCreditHandler's OnMessageWithCredit): a packet's credit is
// held until the socket's lane has run what the packet asked for (its
// event handlers, its connection), so a client whose handlers are slower
// than its sending is paused (or closed) by its session.
//
// A packet still waiting for binary attachments holds no credit: were the
// reader paused, the attachments would never be read and the backlog never
// drain. Its messages are bounded by the decoder instead (attachments per
// packet, each at most maxHttpBufferSize), and the complete packet takes
// their credit again, whole.
func (s *Server) onMessage(es *EngineSession, data []byte, binary bool, credit InboundCredit) {
	c := es.State().(*client)
	p, done, err := c.decoder.Add(data, binary)
	switch {
	case err != nil:
		credit.Release()
		c.partialMsgs, c.partialBytes = 0, 0
		s.opts.Logger.Debug().Str("sid", es.ID()).Err(err).Msg("parse error")
		es.CloseWithReason(actors.ReasonParseError)
	case !done:
		credit.Release()
		c.partialMsgs++
		c.partialBytes += len(data)
	default:
		credit = credit.Extend(c.partialMsgs, c.partialBytes)
		c.partialMsgs, c.partialBytes = 0, 0
		c.packet(&p, credit)
	}
}

// onClose disconnects a closed session's sockets.
func (s *Server) onClose(es *EngineSession, reason string) {
	c := es.State().(*client)
	c.stopConnectTimer()
	c.closed = true
	c.publishRoute() // none: the short path is closed with the client
	c.disconnectAll(reason)
	if e := c.ended.Swap(sessionEnded); e != nil {
		e.cancel()
	}
}

// endSignal is a context cancelled when a session ends.
type endSignal struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// sessionEnded is the endSignal of every session that has ended.
var sessionEnded = func() *endSignal {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &endSignal{ctx: ctx, cancel: cancel}
}()

// endedContext returns a context done once the session has ended. Safe
// from any goroutine.
func (c *client) endedContext() context.Context {
	if e := c.ended.Load(); e != nil {
		return e.ctx
	}
	e := &endSignal{}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if c.ended.CompareAndSwap(nil, e) {
		return e.ctx
	}
	e.cancel()
	return c.ended.Load().ctx // made meanwhile, or the session has ended
}

// packet handles one packet from the client; credit is what it holds,
// released here or handed to the lane that runs what it asked for.
func (c *client) packet(p *sio.Packet, credit InboundCredit) {
	nsp := p.Nsp()
	switch p.Type {
	case sio.Connect:
		if c.eio3 {
			c.connectEIO3(nsp, credit)
		} else {
			c.connect(nsp, p.Data, credit)
		}
		return
	case sio.Disconnect:
		if s := c.sockets.get(nsp); s != nil {
			c.disconnectHolding(s, reasonClientNamespaceDisconnect, credit)
			return
		}
	case sio.Event:
		s := c.sockets.get(nsp)
		if s == nil {
			break // not connected to that namespace: ignored, as Node
		}
		name, args, ack, ok := c.event(s, p)
		if !ok {
			c.es.CloseWithReason(actors.ReasonParseError)
			break
		}
		if l := c.srv.events; l != nil && !l.allow(c, s, name, p, credit) {
			return // refused (eventlimit.go)
		}
		s.dispatch(name, args, ack, credit)
		return
	case sio.Ack:
		c.ackReceived(p)
	default:
		c.es.CloseWithReason(actors.ReasonParseError) // CONNECT_ERROR from a client
	}
	credit.Release() // handled here, in the session actor
}

// event reads an EVENT packet for s: its name, its arguments and, when
// the client asked for one, its ack. ok is false for a malformed event.
func (c *client) event(s *Socket, p *sio.Packet) (name string, args Args, ack Ack, ok bool) {
	raw, err := c.srv.codec.split(p.Data)
	if err != nil || len(raw) == 0 {
		return "", Args{}, Ack{}, false
	}
	if name, err = c.srv.codec.eventName(raw[0]); err != nil {
		return "", Args{}, Ack{}, false
	}
	if p.HasID {
		ack = Ack{&pendingAck{client: c, nsp: s.nsp.name, id: p.ID}}
	}
	return name, Args{raw: raw[1:], atts: p.Attachments, codec: c.srv.codec}, ack, true
}

// ackReceived answers an ack the server expects; the answer only hands the
// result over (to a waiting EmitWithAck or collector), so it is handled
// once this returns.
func (c *client) ackReceived(p *sio.Packet) {
	nsp := p.Nsp()
	if c.sockets.get(nsp) == nil {
		return
	}
	key := ackKey{nsp: nsp, id: p.ID}
	answer, ok := c.acks[key]
	if !ok {
		return // late or unknown: ignored
	}
	delete(c.acks, key)
	args, err := c.srv.codec.split(p.Data)
	if p.Data == nil {
		args, err = nil, nil
	}
	answer(ackResult{args: Args{raw: args, atts: p.Attachments, codec: c.srv.codec}, err: err})
}

// connect runs a CONNECT on a new socket's lane, which holds credit until
// the connection handlers have run.
func (c *client) connect(name string, auth []byte, credit InboundCredit) {
	c.connectWith(name, transport.NewSID(), c.handshake(auth), false, credit)
}

// connectWith is connect once the socket's id and handshake are known;
// complete says hs has its request part (see socketHandshake).
func (c *client) connectWith(name, id string, hs Handshake, complete bool, credit InboundCredit) {
	if c.sockets.get(name) != nil || slices.Contains(c.joining, name) {
		credit.Release()
		return // already connected or connecting
	}
	c.joining = append(c.joining, name)
	s := &Socket{id: id, client: c}
	s.handshake.set(hs, complete)
	s.lane.use(c.srv.engine.workers)
	s.lane.runHolding(func() {
		// Resolving may run a ParentNamespace's match func: user code, so
		// here on the lane rather than in the session actor.
		nsp := c.srv.resolve(name, hs.Auth)
		if nsp == nil {
			c.es.Run(func() {
				c.joined(name)
				c.sendConnectError(name, &ConnectError{Message: "Invalid namespace"})
			})
			return
		}
		s.nsp = nsp
		mws, onConnect := nsp.snapshot()
		var restored actors.Restored
		s.pid, restored = c.recover(s, hs.Auth)
		if s.recovered && !c.srv.opts.ConnectionStateRecovery.RunMiddlewares {
			mws = nil
		}
		for _, mw := range mws {
			var err error
			s.safely("middleware", func() { err = mw(s) })
			if err != nil {
				c.es.Run(func() {
					c.joined(name)
					if c.eio3 {
						c.sendMiddlewareErrorEIO3(name, err)
						return
					}
					c.sendConnectError(name, err)
				})
				return
			}
		}
		// Connection handlers run once accept has registered the socket, so
		// what they do (join, emit) comes after it everywhere.
		accepted := make(chan bool, 1)
		added := make(chan struct{}, 1)
		c.es.Run(func() { accepted <- c.accept(s, restored, added) })
		select {
		case ok := <-accepted:
			if !ok {
				return
			}
		case <-c.es.Done():
			return
		}
		// The CONNECT reply goes out with the registration (AddSocket's
		// preamble): what the handlers send comes after both.
		select {
		case <-added:
		case <-c.es.Done():
			return
		case <-nsp.failed:
			return
		case <-c.srv.engine.stopped:
			return
		}
		for _, f := range onConnect {
			s.safely("connection handler", func() { f(s) })
		}
		s.tellConnected(func() any {
			hs := s.Handshake()
			return &actormsg.Connected{Socket: s.name(), Recovered: s.recovered, Handshake: actormsg.Handshake{
				Auth: hs.Auth, Query: hs.Query, Headers: hs.Headers, Address: hs.Address}}
		})
	}, credit)
}

// accept completes a connection once its middleware has passed: the
// CONNECT reply, then the namespace registration, so the socket exists for
// broadcasts before its connection handler (queued after this on its lane)
// can emit anything.
func (c *client) accept(s *Socket, restored actors.Restored, added chan<- struct{}) bool {
	c.joined(s.nsp.name)
	if c.closed {
		return false
	}
	if s.nsp.removed.Load() { // an empty child cleaned up while this socket joined
		c.sendConnectError(s.nsp.name, &ConnectError{Message: "Invalid namespace"})
		return false
	}
	if s.nsp.hasFailed() {
		c.sendConnectError(s.nsp.name, &ConnectError{Message: ErrNamespaceFailed.Error()})
		return false
	}
	c.sockets = append(c.sockets, s)
	c.publishRoute()
	c.stopConnectTimer() // a namespace is joined
	s.mu.Lock()
	s.rooms = []string{s.id}
	for _, r := range restored.Rooms {
		if !slices.Contains(s.rooms, r) {
			s.rooms = append(s.rooms, r)
		}
	}
	s.mu.Unlock()
	s.connected.Store(true)
	// The CONNECT reply and the missed packets are delivered by the
	// namespace actor as it registers the socket, in one turn: a broadcast
	// reaches the client after them, never between them and the
	// registration (where it would be lost).
	var data []byte
	if !c.eio3 { // a 2.x client's CONNECT reply carries nothing, as Node's
		var err error
		if data, err = c.srv.codec.object(connectReply{SID: s.id, PID: s.pid}); err != nil {
			return false // the server's own payload: cannot happen
		}
	}
	preamble := append([]*transport.Frames{c.srv.packetFrames(&sio.Packet{Type: sio.Connect, Namespace: s.nsp.name, Data: data})}, restored.Missed...)
	s.nsp.tell(&actors.AddSocket{ID: s.id, Sink: c.es.Sink(), Ref: s, Rooms: restored.Rooms, Preamble: preamble, Added: added, CatchUpAfter: restored.Through})
	return true
}

// connectReply is the CONNECT payload: the socket id and, with recovery
// on, its private id, in Node's order.
type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid,omitempty"`
}

// recover restores the socket from a reconnecting client's {pid, offset},
// or gives it a new private id. It runs on the socket's lane.
func (c *client) recover(s *Socket, auth json.RawMessage) (string, actors.Restored) {
	if c.srv.opts.ConnectionStateRecovery == nil {
		return "", actors.Restored{}
	}
	ra, restored := s.nsp.restore(auth)
	if !restored.OK {
		return transport.NewSID(), actors.Restored{}
	}
	s.id, s.recovered = restored.ID, true
	s.data = restored.Data
	return ra.PID, restored
}

// connectErrorPayload keeps Node's key order: message, then data.
type connectErrorPayload struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (c *client) sendConnectError(nsp string, err error) {
	payload := connectErrorPayload{Message: err.Error()}
	if ce, ok := err.(*ConnectError); ok {
		payload.Data = ce.Data
	}
	data, encErr := c.srv.codec.object(payload)
	if encErr != nil { // Data that does not encode: the message alone
		data, _ = c.srv.codec.object(connectErrorPayload{Message: err.Error()})
	}
	c.send(&sio.Packet{Type: sio.ConnectError, Namespace: nsp, Data: data})
}

// send delivers a packet to this client through its Sink, the one path
// every delivery takes, so packets reach the client in the order they were
// sent, unicasts and broadcasts alike.
func (c *client) send(p *sio.Packet) { c.es.Sink().Deliver(c.srv.packetFrames(p), false) }

// sendAck answers the client's event id on nsp with args (Ack.Send).
func (c *client) sendAck(nsp string, id uint64, args []any) error {
	if jc, ok := c.srv.codec.(jsonCodec); ok {
		return c.sendJSONAck(jc, nsp, id, args)
	}
	data, atts, err := c.srv.codec.encode("", args)
	if err != nil {
		return err
	}
	c.send(&sio.Packet{Type: sio.Ack, Namespace: nsp, ID: id, HasID: true, Data: data, Attachments: atts})
	return nil
}

// sendJSONAck is sendAck with the default parser: the arguments are
// encoded straight after the packet's header in its frame's buffer
// (jsonFramed).
func (c *client) sendJSONAck(jc jsonCodec, nsp string, id uint64, args []any) error {
	_, f, err := c.srv.jsonFramed(jc, sio.Packet{Type: sio.Ack, Namespace: nsp, ID: id, HasID: true}, "", args)
	if err != nil {
		return err
	}
	c.es.Sink().Deliver(f, false)
	return nil
}

// sendWithAck sends p to s's client, with fl's modifiers, with the next id
// of s's namespace and expects the ack; it returns the id.
func (c *client) sendWithAck(s *Socket, p *sio.Packet, fl emitFlags, answer func(ackResult)) uint64 {
	p.ID, p.HasID = s.nsp.nextAckID(), true
	f := c.srv.packetFrames(p)
	if fl.noCompress {
		f = f.Uncompressed()
	}
	c.es.Run(func() {
		if c.closed || !s.connected.Load() {
			answer(ackResult{err: ErrDisconnected})
			return
		}
		c.expectAck(s, p.ID, answer)
		c.es.Sink().Deliver(f, fl.volatile)
	})
	return p.ID
}

// expectAck registers an answer for (s's namespace, id). Session actor only.
func (c *client) expectAck(s *Socket, id uint64, answer func(ackResult)) {
	if c.closed || c.sockets.get(s.nsp.name) != s {
		answer(ackResult{err: ErrDisconnected})
		return
	}
	if c.acks == nil {
		c.acks = map[ackKey]func(ackResult){}
	}
	c.acks[ackKey{nsp: s.nsp.name, id: id}] = answer
}

func (c *client) forgetAck(s *Socket, id uint64) { delete(c.acks, ackKey{nsp: s.nsp.name, id: id}) }

// failAcks answers every ack still expected from namespace nsp (all when
// empty) with ErrDisconnected.
func (c *client) failAcks(nsp string) {
	for key, answer := range c.acks {
		if nsp == "" || key.nsp == nsp {
			delete(c.acks, key)
			answer(ackResult{err: ErrDisconnected})
		}
	}
}

// serverDisconnect tells the client and drops the socket.
func (c *client) serverDisconnect(s *Socket) {
	if c.sockets.get(s.nsp.name) != s {
		return
	}
	c.send(&sio.Packet{Type: sio.Disconnect, Namespace: s.nsp.name})
	c.disconnect(s, reasonServerNamespaceDisconnect)
}

// closeAll disconnects every socket as Disconnect(false) does (a
// DISCONNECT packet each, reason "server namespace disconnect") and closes
// the connection, as Node's client._disconnect().
func (c *client) closeAll() {
	// One delivery for all the DISCONNECTs, so a polling client gets them in
	// one payload and sees every namespace close together.
	var packets []eio.Packet
	for _, s := range c.sockets {
		packets = append(packets, c.srv.packetFrames(&sio.Packet{Type: sio.Disconnect, Namespace: s.nsp.name}).Packets...)
	}
	if len(packets) > 0 {
		c.es.Sink().Deliver(transport.NewFrames(packets...), false)
	}
	for _, s := range slices.Clone(c.sockets) { // disconnect removes s
		c.disconnect(s, reasonServerNamespaceDisconnect)
	}
	c.es.Close()
}

func (c *client) disconnectAll(reason string) {
	for _, s := range slices.Clone(c.sockets) { // disconnect removes s
		c.disconnect(s, reason)
	}
	c.failAcks("")
}

// disconnect drops s; its disconnecting handlers run with its rooms still
// in place, then it leaves them, then its disconnect handlers run.
func (c *client) disconnect(s *Socket, reason string) {
	c.disconnectHolding(s, reason, InboundCredit{})
}

// disconnectHolding is disconnect for a client's DISCONNECT packet, whose
// credit is held until the handlers have run.
func (c *client) disconnectHolding(s *Socket, reason string, credit InboundCredit) {
	c.sockets.remove(s)
	c.publishRoute()
	c.srv.stats.disconnected(reason)
	c.failAcks(s.nsp.name)
	s.lane.shutWith(func() {
		s.mu.RLock()
		discing, disc := s.onDiscing, s.onDisconnect
		s.mu.RUnlock()
		for _, f := range discing { // still connected, with its rooms, as in Node
			s.safely("disconnecting handler", func() { f(reason) })
		}
		s.tellSubscribers(func() any { return &actormsg.Disconnecting{Socket: s.name(), Reason: reason} })
		s.connected.Store(false)
		// Subscribers hear of it before its session can be restored: a
		// quick reconnection's Connected always comes after this.
		s.tellSubscribers(func() any { return &actormsg.Disconnected{Socket: s.name(), Reason: reason} })
		s.ended(reason)
		s.nsp.socketGone(s.id, s.pid != "" && recoverableReasons[reason])
		remove := &actors.RemoveSocket{ID: s.id}
		if s.pid != "" && recoverableReasons[reason] {
			if store, ok := c.srv.opts.Adapter.(adapter.SessionStore); ok {
				data, _ := json.Marshal(s.Data())
				c.srv.persistToCluster(store, adapter.Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: data})
			} else {
				remove.Persist = &actors.PersistSession{PID: s.pid, Data: s.Data()}
			}
		}
		s.nsp.tell(remove)
		s.mu.Lock()
		s.rooms = nil
		s.mu.Unlock()
		for _, f := range disc {
			s.safely("disconnect handler", func() { f(reason) })
		}
		c.srv.removeChildIfEmpty(s.nsp)
	}, credit)
}

// handshake is a new socket's Handshake without its request part
// (withRequest adds it): the time, and the CONNECT's auth.
func (c *client) handshake(auth []byte) Handshake {
	now := time.Now()
	h := Handshake{Time: now, Issued: now.UnixMilli(), Auth: json.RawMessage("{}")}
	if auth != nil {
		var raw json.RawMessage
		if err := c.srv.codec.decode(auth, nil, &raw); err == nil {
			h.Auth, h.auth, h.codec = raw, auth, c.srv.codec
		}
	}
	return h
}

// withRequest fills h's part that comes from the handshake request
// (headers, query, address, URL). Safe from any goroutine.
func (c *client) withRequest(h *Handshake) {
	if r := c.es.Request(); r != nil {
		h.Headers, h.Query, h.Address, h.URL = r.Header, r.URL.Query(), r.RemoteAddr, r.URL.String()
		if r.Host != "" && h.Headers.Get("Host") == "" {
			// Go moves Host out of the header map; Node's handshake has it.
			h.Headers = h.Headers.Clone()
			h.Headers.Set("Host", r.Host)
		}
		h.Secure = r.TLS != nil
		h.XDomain = r.Header.Get("Origin") != ""
	}
}
