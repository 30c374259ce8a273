package actorio

import (
	"bytes"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/transport"
)

// Conn is a client's Engine.IO connection, which all its sockets (one per
// namespace) share (Node: socket.conn). Its methods are safe from any
// goroutine.
//
// Its event callbacks (OnUpgrade, OnPacket, OnPacketCreate, OnDrain,
// OnHeartbeat, OnClose: Node's conn.on events) run on the Conn's own
// goroutine, one at a time, in the order the events happened: never on an
// actor, and in no fixed order with the sockets' handlers, which run on
// theirs. A callback sees the events from its registration on.
//
// Events cost the connection nothing until a callback is registered. Then
// they are bounded: a packet waiting for OnPacket callbacks holds inbound
// credit, so slow ones slow reading from the client
// (EngineOptions.InboundLimits); the other events waiting past
// EngineOptions.QueueLimits' hard limits close the connection ("transport
// error"), as a client that does not read is closed.
type Conn struct {
	es     *EngineSession
	srv    *Server
	limits transport.QueueLimits // resolved: bound the credit-less events

	mu        sync.Mutex
	upgrade   []func(transport string)
	packet    []func(EnginePacket)
	created   []func(EnginePacket)
	drain     []func()
	heartbeat []func()
	close     []func(reason string)
	closed    bool   // the close event has been queued
	reason    string // its reason

	lane lane
	// Events that hold no inbound credit, queued and not yet run.
	backlog, backlogBytes atomic.Int64
	overflowed            atomic.Bool
}

// Conn is the socket's Engine.IO connection (Node: socket.conn), shared by
// the sockets its client has in other namespaces.
func (s *Socket) Conn() *Conn {
	c := s.client
	if conn := c.conn.Load(); conn != nil {
		return conn
	}
	n := &Conn{es: c.es, srv: c.srv, limits: c.srv.opts.QueueLimits.Resolved()}
	n.lane.use(c.srv.engine.workers)
	c.conn.CompareAndSwap(nil, n)
	return c.conn.Load()
}

// Request is the handshake's HTTP request (Node: socket.request): its
// headers, cookies, URL, RemoteAddr, TLS state, and the context values
// HTTP middleware set (r.WithContext) before the server saw it. Its
// context is not cancelled when that HTTP request ends, and its body is
// not readable. The sockets of one connection share it: do not modify it.
func (s *Socket) Request() *http.Request { return s.client.es.Request() }

// ID is the Engine.IO session id (Node: conn.id), which the client knows
// as socket.io.engine.id; not a socket's id.
func (c *Conn) ID() string { return c.es.ID() }

// Transport is the transport in use, "polling" or "websocket" (Node:
// conn.transport.name).
func (c *Conn) Transport() string { return c.es.Transport() }

// Protocol is the Engine.IO protocol revision the client speaks (Node:
// conn.protocol): 4, or 3 for a client that did not ask for 4.
func (c *Conn) Protocol() int { return c.es.Protocol() }

// RemoteAddr is the client's address as net/http gives it, "IP:port" (Node:
// conn.remoteAddress, which is the IP alone).
func (c *Conn) RemoteAddr() string {
	if r := c.es.Request(); r != nil {
		return r.RemoteAddr
	}
	return ""
}

// Request is the handshake's HTTP request (Node: conn.request); see
// Socket.Request.
func (c *Conn) Request() *http.Request { return c.es.Request() }

// Close closes the connection (Node: conn.close()): its sockets
// disconnect with reason "forced close".
func (c *Conn) Close() { c.es.Close() }

// OnUpgrade registers f, called once the connection has moved to another
// transport, with its name ("websocket") (Node: conn.on("upgrade")).
func (c *Conn) OnUpgrade(f func(transport string)) { c.on(func() { c.upgrade = append(c.upgrade, f) }) }

// OnPacket registers f, called with every Engine.IO packet the client
// sends on the transport in use: pongs, messages, its close (Node:
// conn.on("packet")). The packet's Data is f's own.
func (c *Conn) OnPacket(f func(EnginePacket)) { c.on(func() { c.packet = append(c.packet, f) }) }

// OnPacketCreate registers f, called with every Engine.IO packet the
// server creates for the client: pings, messages, broadcasts (Node:
// conn.on("packetCreate")). The packet's Data is f's own. Packets created
// before f was registered (the open packet, say) are not seen.
func (c *Conn) OnPacketCreate(f func(EnginePacket)) {
	c.on(func() { c.created = append(c.created, f) })
}

// OnDrain registers f, called each time packets waiting for the client
// have been handed to its transport, leaving none (Node:
// conn.on("drain")): every WebSocket send; a polling response.
func (c *Conn) OnDrain(f func()) { c.on(func() { c.drain = append(c.drain, f) }) }

// OnHeartbeat registers f, called on each pong from the client (Node:
// conn.on("heartbeat")).
func (c *Conn) OnHeartbeat(f func()) { c.on(func() { c.heartbeat = append(c.heartbeat, f) }) }

// OnClose registers f, called once the connection has closed, with the
// reason ("transport close", "ping timeout", "forced close", "transport
// error", "parse error", "server shutting down") (Node: conn.on("close")).
// Registered after the close, f is called at once (on the Conn's
// goroutine) with its reason.
func (c *Conn) OnClose(f func(reason string)) {
	c.on(func() {
		if c.closed {
			reason := c.reason
			c.lane.run(func() { c.safely("close", func() { f(reason) }) })
			return
		}
		c.close = append(c.close, f)
	})
	// A connection that closed before its ConnEvents were installed did
	// not call them: its reason is read here (after the install, so one of
	// the two sees the close; closing runs once).
	if reason := c.es.CloseReason(); reason != "" {
		c.closing(reason)
	}
}

// on registers a callback (add runs under mu) and gives the session the
// events the callbacks now want.
func (c *Conn) on(add func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	add()
	ev := &actors.ConnEvents{Close: c.closing} // always: OnClose after the end needs the reason
	if len(c.packet) > 0 {
		ev.Packet = c.received
	}
	if len(c.created) > 0 {
		ev.PacketCreate = c.packetCreated
	}
	if len(c.drain) > 0 {
		ev.Drain = c.drained
	}
	if len(c.heartbeat) > 0 {
		ev.Heartbeat = c.heartbeatReceived
	}
	if len(c.upgrade) > 0 {
		ev.Upgrade = c.upgraded
	}
	c.es.SetConnEvents(ev)
}

// The events, from the session actor: each takes the callbacks registered
// so far and queues them on the lane. Slices are only ever appended to,
// so a copy of the header is a stable snapshot.

func (c *Conn) received(p EnginePacket, credit InboundCredit) {
	c.mu.Lock()
	fs := c.packet
	c.mu.Unlock()
	p.Data = bytes.Clone(p.Data) // the session's buffer: the callbacks get their own
	c.lane.runHolding(func() {
		for _, f := range fs {
			c.safely("packet", func() { f(p) })
		}
	}, credit)
}

func (c *Conn) packetCreated(p EnginePacket) {
	c.mu.Lock()
	fs := c.created
	c.mu.Unlock()
	p.Data = bytes.Clone(p.Data)
	c.queue(len(p.Data), func() {
		for _, f := range fs {
			c.safely("packetCreate", func() { f(p) })
		}
	})
}

func (c *Conn) drained() {
	c.mu.Lock()
	fs := c.drain
	c.mu.Unlock()
	c.queue(0, func() {
		for _, f := range fs {
			c.safely("drain", f)
		}
	})
}

func (c *Conn) heartbeatReceived() {
	c.mu.Lock()
	fs := c.heartbeat
	c.mu.Unlock()
	c.queue(0, func() {
		for _, f := range fs {
			c.safely("heartbeat", f)
		}
	})
}

func (c *Conn) upgraded(name string) {
	c.mu.Lock()
	fs := c.upgrade
	c.mu.Unlock()
	c.queue(0, func() {
		for _, f := range fs {
			c.safely("upgrade", func() { f(name) })
		}
	})
}

// closing queues the close callbacks, once (from the session actor, or
// from OnClose for a connection already ended).
func (c *Conn) closing(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason = true, reason
	fs := c.close
	c.close = nil
	c.mu.Unlock()
	if len(fs) == 0 {
		return
	}
	c.lane.run(func() { // never refused: the last event
		for _, f := range fs {
			c.safely("close", func() { f(reason) })
		}
	})
}

// queue runs f on the lane unless the backlog of credit-less events is
// past QueueLimits' hard limits: then the connection is closed, as one
// whose client does not read.
func (c *Conn) queue(size int, f func()) {
	limits := c.limits
	n, b := c.backlog.Add(1), c.backlogBytes.Add(int64(size))
	if n > int64(limits.HardFrames) || b > int64(limits.HardBytes) {
		c.backlog.Add(-1)
		c.backlogBytes.Add(-int64(size))
		if c.overflowed.CompareAndSwap(false, true) {
			c.srv.opts.Logger.Error().Str("sid", c.es.ID()).Int64("events", n).Int64("bytes", b).
				Msg("conn callbacks fell behind past the queue limits: closing the connection")
			c.es.CloseWithReason(actors.ReasonTransportError)
		}
		return
	}
	c.lane.run(func() {
		defer func() {
			c.backlog.Add(-1)
			c.backlogBytes.Add(-int64(size))
		}()
		f()
	})
}

// safely runs a callback; a panic is logged and costs only this call.
func (c *Conn) safely(event string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.opts.Logger.Error().Str("sid", c.es.ID()).Str("event", event).Interface("panic", r).Msg("conn callback panicked")
		}
	}()
	f()
}
