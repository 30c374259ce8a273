package actors

// The session actor: one per Engine.IO session.
//
// Accepts: transport events (transport.PollRequested, PollAborted,
// PayloadPosted, ParseFailed, PayloadTooLarge, WebSocketAttached,
// WebSocketPacket, WebSocketClosed, SlowConsumer, QueueOverflow,
// InboundPaused, InboundStalled, PostOverlapped), its own
// timer messages (pingDue, pongDue, upgradeDue, noopDue) and user commands
// (sendRequested, closeRequested).
// Sends: packets to its transport; events to its EngineHandler, and to its
// ConnEvents when the user has installed some (connevents.go).
// Owns: the transport in use and the upgrade state, the polling buffer and
// the pending GET, the heartbeat, and the one place a session ends.
// Releases the inbound credit of every packet it handles (inbound.go), and
// bounds the polling buffer as the WebSocket queue is bounded (pollbuffer.go).

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/gobwas/ws"
	"github.com/rs/zerolog"
)

// SessionSettings are what every session of a server shares: one copy
// per server, which each session points to. Durations must be positive.
// A session never changes them.
type SessionSettings struct {
	PingInterval   time.Duration
	PingTimeout    time.Duration
	UpgradeTimeout time.Duration
	MaxPayload     int
	AllowUpgrades  bool
	// OverlapWait replaces overlapWait when positive (tests that must not
	// depend on how fast a loaded machine notices an aborted request).
	OverlapWait time.Duration
	Handler     EngineHandler
	Logger      zerolog.Logger
	// SlowConsumerGrace is how long a WebSocket may stay past its queue's
	// soft limit before the session is closed; zero closes at the first
	// crossing.
	SlowConsumerGrace time.Duration
	// Stats, when set, counts what the session does, for metrics.
	Stats *Stats
	// InboundPolicy says what happens when the backlog passes the limits
	// of a session's Inbound.
	InboundPolicy InboundPolicy
	// Queue bounds the polling buffer, as it bounds a WebSocket's queue;
	// zero fields mean the QueueLimits defaults.
	Queue transport.QueueLimits
	// PacketIn and PacketOut, when set, see every packet the session
	// receives on its transport and every packet it sends (metrics, admin
	// UI). They run in the actor and must not block or keep p.Data.
	PacketIn, PacketOut func(sid string, p eio.Packet)
}

// SessionConfig configures one session: its own part, and the settings
// it shares with the server's other sessions.
type SessionConfig struct {
	*SessionSettings
	SID string
	// WebSocket is set when the client opened the session over WebSocket.
	WebSocket *transport.WSConn
	// EIO3 is set for an Engine.IO v3 client (eio3.go); Base64 when its
	// polling takes binary only as base64 ("b64").
	EIO3, Base64 bool
	// Request is the handshake request, for the handshake details sockets
	// report.
	Request *http.Request
	// Done is closed when the session has ended (after Ended).
	Done <-chan struct{}
	// Ended is called once, from the actor, when the session has ended.
	Ended func(sid, reason string)
	// Inbound is the session's inbound credit (nil: unbounded); the
	// session closes it when it ends.
	Inbound *transport.Inbound
}

// Timer messages carry the generation they were armed in; a message from
// an older generation is stale and ignored.
type (
	pingDue    struct{ gen uint64 }
	pongDue    struct{ gen uint64 }
	upgradeDue struct{ gen uint64 }
	noopDue    struct{ gen uint64 }
	slowDue    struct{ gen uint64 }
	drainDue   struct{}
	lingerDue  struct{}
	overlapDue struct{ gen uint64 }
)

// pendingClose is a forced close over polling deferred until the client's
// next GETs have collected what was buffered (DISCONNECT packets, say) and
// then the close packet, as engine.io drains its write buffer first.
type pendingClose struct {
	reason, detail string
	timer          *time.Timer
}

// noopInterval is how long a GET that arrives while the client upgrades
// waits before it is answered with a noop (Node flushes one every 100 ms).
// The wait lets an upgrade packet that the client sent before that GET, on
// the other connection, be handled first: the GET then gets 400, as after
// any upgrade, whichever connection the server happened to read first.
const noopInterval = 100 * time.Millisecond

// lateGetGrace is how long a session closed by the client over polling
// waits for the GET the client may have had in flight, to answer it with a
// noop as if it had arrived first (engine.io clients keep one GET pending
// while they poll, and the POST carrying the close can overtake it).
const lateGetGrace = time.Second

// overlapWait is how long a GET that arrived while another was pending is
// held before it is refused, to learn whether its client is gone: a GET the
// client aborted can reach the session after the client's next GET (each
// runs on its own goroutine), and is then the tail of an aborted poll,
// which ends the session before that next GET, not a second poll.
// Real clients never overlap GETs, so the wait costs them nothing; it is
// long enough for a loaded machine to notice the aborted connection.
const overlapWait = 500 * time.Millisecond

// Session is the session actor's state. Handle runs one message; the
// protoactor adapter (Receive) and the fake-time tests both drive it.
type Session struct {
	cfg  SessionConfig
	tell func(any) // posts to this actor's own mailbox
	user *EngineSession

	ws    *transport.WSConn // the WebSocket in use; nil while polling
	probe *transport.WSConn // the WebSocket being upgraded to
	// directFn is what the WebSocket in use offers its messages to first
	// (direct.go); made when the first one is.
	directFn *transport.DirectFunc
	buffer   []eio.Packet // polling: packets waiting for a GET
	poll     chan<- transport.PollReply

	bufBytes int // the buffer's bytes, while it is not empty (pollbuffer.go)

	hbGen, upGen uint64
	slowGen      uint64
	noopGen      uint64
	slowTimer    *time.Timer // armed while a slow-consumer grace period runs
	hbTimer      *time.Timer
	upTimer      *time.Timer
	noopTimer    *time.Timer
	nextPing     time.Time
	awaitingPong bool
	probed       bool                       // the probe was answered: the client may send the upgrade packet
	overlap      chan<- transport.PollReply // a second GET, held for overlapWait
	overlapGen   uint64
	pollHeld     bool // nothing is written to the pending GET: it came after the probe (until noopDue), or an overlapping GET is held (until overlapDue)
	closed       bool
	draining     *pendingClose // a server close waiting for a GET to take the buffer
	drained      bool          // the deferred close has run its course
	lateGet      *time.Timer   // armed while a client-closed session waits for a GET in flight
	endReason    string        // set by close; reported by reportEnd
	endReported  bool
}

// NewSession returns the state of a session; tell must post to its mailbox.
func NewSession(cfg SessionConfig, tell func(any)) *Session {
	s := &Session{cfg: cfg, tell: tell, ws: cfg.WebSocket}
	s.user = &EngineSession{id: cfg.SID, tell: tell, sink: Sink{tell: tell, ws: cfg.WebSocket, stats: cfg.Stats}, request: cfg.Request, done: cfg.Done}
	s.user.websocket.Store(s.ws != nil)
	s.user.sink.hooks = &s.user.hooks
	if s.ws != nil {
		s.useDirect(s.ws)
	}
	s.user.protocol = 4
	if cfg.EIO3 {
		s.user.protocol = 3
	}
	return s
}

// User returns the user's handle on this session.
func (s *Session) User() *EngineSession { return s.user }

// Receive adapts the session to protoactor.
func (s *Session) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		s.Start()
	case *actor.Stopping:
		s.stopping()
	case *actor.Stopped, *actor.Restarting:
	default:
		s.Handle(ctx.Message())
	}
}

// ReasonActorFailed details the close of a session whose actor failed.
const ReasonActorFailed = "session actor failed"

// stopping runs when the actor stops. After a normal end there is nothing
// left to do; after a failure (its supervisor stops it) the session closes
// its connection with a reason and reports its end, even if its state is
// too broken for close to finish.
func (s *Session) stopping() {
	if s.endReported {
		return
	}
	closed := false
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error().Str("sid", s.cfg.SID).Interface("panic", r).Msg("close after failure panicked")
		}
		if !closed { // close itself failed: cut the connections as they are
			for _, c := range []*transport.WSConn{s.ws, s.probe} {
				if c != nil {
					c.Close(ws.StatusInternalServerError)
				}
			}
			if s.poll != nil {
				s.poll <- transport.PollReply{Status: http.StatusInternalServerError}
				s.poll = nil
			}
			s.cfg.Inbound.Close() // a paused reader or POST stops waiting
		}
		if !s.endReported {
			s.endReported = true
			if s.cfg.Ended != nil {
				s.cfg.Ended(s.cfg.SID, s.endReason)
			}
		}
	}()
	s.endLateGet()
	if d := s.draining; d != nil { // a deferred close that will not finish now
		stopTimer(d.timer)
		s.draining = nil
	}
	if !s.closed {
		s.close(ReasonTransportError, ReasonActorFailed, false)
	}
	closed = true
}

func (s *Session) transportName() string {
	if s.ws != nil {
		return transport.WebSocket
	}
	return transport.Polling
}

// Start sends the open packet and arms the first ping.
func (s *Session) Start() {
	upgrades := []string{}
	if s.ws == nil && s.cfg.AllowUpgrades {
		upgrades = []string{transport.WebSocket}
	}
	open := eio.AppendHandshake(nil, eio.Handshake{
		SID: s.cfg.SID, Upgrades: upgrades,
		PingInterval: int(s.cfg.PingInterval / time.Millisecond),
		PingTimeout:  int(s.cfg.PingTimeout / time.Millisecond),
		MaxPayload:   s.cfg.MaxPayload,
	})
	if st := s.cfg.Stats; st != nil {
		st.Opened.Add(1)
		st.transportGauge(s.ws != nil).Add(1)
	}
	s.send(eio.Packet{Type: eio.Open, Data: open})
	if s.cfg.EIO3 {
		s.eio3Heartbeat() // the client pings
	} else {
		s.nextPing = time.Now().Add(s.cfg.PingInterval)
		s.armPing()
	}
	s.cfg.Logger.Debug().Str("sid", s.cfg.SID).Str("transport", s.transportName()).Msg("session opened")
	s.callUser(func() { s.cfg.Handler.OnOpen(s.user) })
	s.reportEnd()
}

// Handle runs one message.
func (s *Session) Handle(msg any) {
	defer s.reportEnd()
	if m, ok := msg.(*transport.WebSocketPacket); ok {
		defer m.Handled() // after the session is done with it: direct.go
	}
	if s.closed {
		s.refuseAfterClose(msg)
		return
	}
	if s.draining != nil {
		s.handleWhileDraining(msg)
		return
	}
	switch m := msg.(type) {
	case *transport.PollRequested:
		s.pollRequested(m)
	case *transport.PollAborted:
		switch m.Reply {
		case s.poll:
			s.poll = nil
			s.close(ReasonTransportError, "poll connection closed prematurely", false)
		case s.overlap:
			// An aborted GET that arrived after the client's next one: the
			// session ended at the abort, before that GET, which gets 400.
			s.overlap = nil
			if s.poll != nil {
				s.poll <- transport.PollReply{Status: http.StatusBadRequest}
				s.poll, s.pollHeld = nil, false
			}
			s.close(ReasonTransportError, "poll connection closed prematurely", false)
		}
	case *transport.PayloadPosted:
		if s.ws != nil {
			releaseAll(m.Credits)
			m.Done <- http.StatusBadRequest // the session no longer polls
			return
		}
		for i, p := range m.Packets {
			s.packetReceived(p, creditAt(m.Credits, i))
		}
		m.Done <- http.StatusOK
	case *transport.ParseFailed:
		if s.isActive(m.Conn) {
			s.close(ReasonParseError, m.Err.Error(), false)
		} else {
			s.abortUpgrade(m.Conn)
		}
	case *transport.PayloadTooLarge:
		if s.isActive(m.Conn) {
			s.close(ReasonTransportError, "payload too large", false)
		} else {
			s.abortUpgrade(m.Conn)
		}
	case *transport.WebSocketAttached:
		s.webSocketAttached(m.Conn)
	case *transport.WebSocketPacket:
		switch m.Conn {
		case s.ws:
			s.packetReceived(m.Packet, m.Credit)
		case s.probe:
			s.probePacket(m.Packet)
			m.Credit.Release()
		default:
			m.Credit.Release()
		}
	case *transport.WebSocketClosed:
		switch m.Conn {
		case s.ws:
			reason := ReasonTransportClose
			if m.Err != nil && !errors.Is(m.Err, io.EOF) {
				reason = ReasonTransportError
			}
			s.close(reason, errString(m.Err), false)
		case s.probe:
			s.abortUpgrade(s.probe)
		}
	case *transport.SlowConsumer:
		if m.Conn == s.ws {
			s.slowConsumer()
		}
	case *slowDue:
		if m.gen == s.slowGen {
			s.slowTimer = nil
			if s.backlogged() {
				s.close(ReasonTransportError, "slow consumer", false)
			}
		}
	case *transport.QueueOverflow:
		if m.Conn == s.ws {
			s.close(ReasonTransportError, "outbound queue overflow", false)
		}
	case *transport.InboundPaused:
		s.inboundPaused()
	case *transport.InboundStalled:
		s.closeInboundBacklog()
	case *transport.PostOverlapped:
		if s.ws == nil {
			s.close(ReasonTransportError, "overlapping post", false)
		}
	case *pingDue:
		if m.gen == s.hbGen {
			s.sendPing()
		}
	case *pongDue:
		if m.gen == s.hbGen && s.awaitingPong {
			if d := s.pongGrace(); d > 0 {
				s.hbTimer = s.after(d, &pongDue{gen: s.hbGen})
			} else {
				s.close(ReasonPingTimeout, "", false)
			}
		}
	case *upgradeDue:
		if m.gen == s.upGen {
			s.abortUpgrade(s.probe)
		}
	case *noopDue:
		if m.gen == s.noopGen && s.pollHeld {
			s.releasePoll()
		}
	case *overlapDue:
		if m.gen == s.overlapGen && s.overlap != nil {
			// Two live GETs: the second is refused, the first gets the close
			// packet, as Node.
			s.close(ReasonTransportError, "overlapping poll", false)
		}
	case *sendRequested:
		s.send(m.packet)
	case *deliverRequested:
		s.deliver(m)
	case *taskRequested:
		s.callUser(m.fn)
	case *closeRequested:
		s.close(m.reason, "", false)
	default:
		s.cfg.Logger.Debug().Str("sid", s.cfg.SID).Type("type", msg).Msg("unexpected message")
	}
}

// refuseAfterClose answers what waits for an answer once the session ended.
// A client-closed session still waiting for the GET it had in flight
// answers that one GET with a noop, as if it had come first.
func (s *Session) refuseAfterClose(msg any) {
	switch m := msg.(type) {
	case *transport.PollRequested:
		if s.lateGet != nil {
			s.endLateGet()
			m.Reply <- transport.PollReply{Status: http.StatusOK, Body: s.singlePacket(eio.Noop)}
			return
		}
		m.Reply <- transport.PollReply{Status: http.StatusBadRequest}
	case *transport.PayloadPosted:
		releaseAll(m.Credits)
		m.Done <- http.StatusBadRequest
	case *transport.WebSocketPacket:
		m.Credit.Release()
	case *transport.WebSocketAttached:
		m.Conn.Close(ws.StatusGoingAway)
	case *lingerDue, *closeRequested:
		s.endLateGet() // no GET came, or the server shuts down
	}
}

// endLateGet stops waiting for a GET in flight; reportEnd can then report.
func (s *Session) endLateGet() {
	if s.lateGet != nil {
		s.lateGet.Stop()
		s.lateGet = nil
	}
}

// isActive reports whether an event from c (nil: polling) concerns the
// transport in use; one from a probe only aborts the upgrade.
func (s *Session) isActive(c *transport.WSConn) bool {
	if c == nil {
		return s.ws == nil
	}
	return c == s.ws
}

// abortUpgrade drops the probe c, if it is the probe, and keeps polling.
func (s *Session) abortUpgrade(c *transport.WSConn) {
	if c != nil && c == s.probe {
		s.probe.Close(ws.StatusPolicyViolation)
		s.probe, s.probed = nil, false
		s.upGen++
		stopTimer(s.upTimer)
		if s.pollHeld {
			s.releasePoll()
		}
	}
}

// releasePoll answers a GET held during the upgrade: with what is
// buffered, or a noop so that the client can finish its upgrade.
func (s *Session) releasePoll() {
	s.pollHeld = false
	s.noopGen++
	stopTimer(s.noopTimer)
	if len(s.buffer) == 0 {
		s.buffer = append(s.buffer, eio.Packet{Type: eio.Noop})
	}
	s.flushPoll()
}

// slowConsumer applies the policy when the WebSocket's queue crosses its
// soft limit: close now, or once the grace period ends with the queue still
// past the limit.
func (s *Session) slowConsumer() {
	if s.cfg.SlowConsumerGrace <= 0 {
		s.close(ReasonTransportError, "slow consumer", false)
		return
	}
	if s.slowTimer == nil {
		s.slowGen++
		s.slowTimer = s.after(s.cfg.SlowConsumerGrace, &slowDue{gen: s.slowGen})
	}
}

func (s *Session) pollRequested(m *transport.PollRequested) {
	if s.ws == nil && s.heartbeatOverdue() {
		// The session ended at ping + pingTimeout, even if the timer that
		// says so has not run yet (a loaded machine): this GET came after.
		m.Reply <- transport.PollReply{Status: http.StatusBadRequest}
		s.close(ReasonPingTimeout, "", false)
		return
	}
	switch {
	case s.ws != nil:
		m.Reply <- transport.PollReply{Status: http.StatusBadRequest}
	case s.overlap != nil:
		m.Reply <- transport.PollReply{Status: http.StatusBadRequest}
	case s.poll != nil:
		// A second GET while one is pending ends the session: held until
		// it is known whether its client is still there (PollAborted).
		// Nothing is written to the pending GET meanwhile (a ping, say):
		// it gets the close packet, or 400 if the newcomer was aborted.
		s.overlap, s.pollHeld = m.Reply, true
		s.overlapGen++
		wait := overlapWait
		if s.cfg.OverlapWait > 0 {
			wait = s.cfg.OverlapWait
		}
		s.after(wait, &overlapDue{gen: s.overlapGen})
	case s.probed:
		// After the probe the client is about to send the upgrade packet
		// (a real client waits for its GET to end first). Hold this GET for
		// a noop interval, so an upgrade packet sent before it wins.
		s.poll, s.pollHeld = m.Reply, true
		s.noopGen++
		s.noopTimer = s.after(noopInterval, &noopDue{gen: s.noopGen})
	default:
		s.poll = m.Reply
		if len(s.buffer) > 0 {
			s.flushPoll()
		}
	}
}

func (s *Session) webSocketAttached(c *transport.WSConn) {
	if s.ws != nil || s.probe != nil || !s.cfg.AllowUpgrades {
		c.Close(ws.StatusPolicyViolation) // one upgrade per session
		return
	}
	s.probe = c
	s.upGen++
	s.upTimer = s.after(s.cfg.UpgradeTimeout, &upgradeDue{gen: s.upGen})
}

func (s *Session) probePacket(p eio.Packet) {
	switch {
	case p.Type == eio.Ping && string(p.Data) == "probe":
		s.probe.SendPacket(eio.Packet{Type: eio.Pong, Data: []byte("probe")})
		s.probed = true
		if s.poll != nil {
			// The GET the client keeps pending must end before it upgrades.
			s.send(eio.Packet{Type: eio.Noop})
		}
	case p.Type == eio.Upgrade:
		s.ws, s.probe, s.probed = s.probe, nil, false
		s.upGen++
		s.noopGen++
		stopTimer(s.upTimer)
		stopTimer(s.noopTimer)
		if s.poll != nil {
			// A client ends its GET before it upgrades; one still pending
			// came after the upgrade packet, and the session no longer polls.
			s.poll <- transport.PollReply{Status: http.StatusBadRequest}
			s.poll, s.pollHeld = nil, false
		}
		flushed := len(s.buffer) > 0
		for _, p := range s.buffer {
			s.ws.SendPacket(p)
		}
		s.buffer = nil
		s.user.websocket.Store(true)
		s.user.sink.setWebSocket(s.ws)
		s.useDirect(s.ws)
		if st := s.cfg.Stats; st != nil {
			st.Upgrades.Add(1)
			st.OpenPolling.Add(-1)
			st.OpenWebSocket.Add(1)
		}
		s.cfg.Logger.Debug().Str("sid", s.cfg.SID).Msg("session upgraded")
		if u, ok := s.cfg.Handler.(EngineUpgradeHandler); ok {
			s.callUser(func() { u.OnUpgrade(s.user) })
		}
		if h := s.user.hooks.Load(); h != nil {
			if h.Upgrade != nil {
				h.Upgrade(transport.WebSocket)
			}
			if flushed && h.Drain != nil {
				h.Drain()
			}
		}
	default:
		s.abortUpgrade(s.probe)
	}
}

func (s *Session) packetReceived(p eio.Packet, c transport.Credit) {
	s.countIn(p)
	if s.cfg.PacketIn != nil {
		s.cfg.PacketIn(s.cfg.SID, p)
	}
	h := s.user.hooks.Load()
	if h != nil && h.Packet != nil {
		h.Packet(p, s.cfg.Inbound.Acquire(len(p.Data)))
	}
	if p.Type != eio.Message {
		c.Release() // a control packet is handled here and now
	}
	switch p.Type {
	case eio.Ping:
		if s.cfg.EIO3 {
			s.eio3Ping()
		}
	case eio.Pong:
		if s.cfg.EIO3 {
			s.close(ReasonTransportError, "invalid heartbeat direction", false)
			return
		}
		if s.awaitingPong {
			s.awaitingPong = false
			s.nextPing = time.Now().Add(s.cfg.PingInterval)
			s.armPing()
		}
		if h != nil && h.Heartbeat != nil {
			h.Heartbeat() // on every pong, as Node
		}
	case eio.Message:
		s.messageReceived(p, c)
	case eio.Close:
		s.close(ReasonTransportClose, "client close", true)
	}
}

// countIn is what every packet received costs: its trace line and its
// counts, whether the session or its short path (direct.go) takes it.
func (s *Session) countIn(p eio.Packet) {
	// Per packet only at trace; zerolog skips the whole line when disabled.
	s.cfg.Logger.Trace().Str("sid", s.cfg.SID).Stringer("type", p.Type).Bool("binary", p.Binary).Int("bytes", len(p.Data)).Msg("packet in")
	if st := s.cfg.Stats; st != nil {
		st.PacketsIn.Add(1)
		st.BytesIn.Add(uint64(len(p.Data)))
	}
}

// heartbeatOverdue reports whether the pong deadline of the ping due at
// nextPing has passed, whether or not the ping and pong timers have run.
func (s *Session) heartbeatOverdue() bool {
	return !time.Now().Before(s.nextPing.Add(s.cfg.PingTimeout))
}

// armPing starts a new heartbeat generation: ping at nextPing.
func (s *Session) armPing() {
	s.hbGen++
	stopTimer(s.hbTimer)
	s.hbTimer = s.after(time.Until(s.nextPing), &pingDue{gen: s.hbGen})
}

// sendPing sends the ping that was due at nextPing; the session ends at
// exactly that moment plus pingTimeout unless a pong arrives.
func (s *Session) sendPing() {
	s.send(eio.Packet{Type: eio.Ping})
	s.awaitingPong = true
	deadline := s.nextPing.Add(s.cfg.PingTimeout)
	s.hbTimer = s.after(time.Until(deadline), &pongDue{gen: s.hbGen})
}

// send puts a packet on the transport in use.
func (s *Session) send(p eio.Packet) {
	s.countOut(p)
	if s.cfg.PacketOut != nil {
		s.cfg.PacketOut(s.cfg.SID, p)
	}
	h := s.user.hooks.Load()
	if h != nil && h.PacketCreate != nil && p.Type != eio.Noop {
		h.PacketCreate(p)
	}
	if s.ws != nil {
		s.ws.SendPacket(p)
		if h != nil && h.Drain != nil {
			h.Drain()
		}
		return
	}
	if s.bufferOut(p) && s.pollWritable() {
		s.flushPoll()
	}
}

// pollWritable reports whether a GET is pending and may be answered now.
func (s *Session) pollWritable() bool { return s.poll != nil && !s.pollHeld }

func (s *Session) countOut(p eio.Packet) {
	s.cfg.Logger.Trace().Str("sid", s.cfg.SID).Stringer("type", p.Type).Bool("binary", p.Binary).Int("bytes", len(p.Data)).Msg("packet out")
	if st := s.cfg.Stats; st != nil {
		st.PacketsOut.Add(1)
		st.BytesOut.Add(uint64(len(p.Data)))
	}
}

// deliver sends a shared packet that came through the mailbox: as one push
// on a WebSocket, into the poll buffer otherwise (a volatile one only if a
// GET is waiting, as Node drops it when the transport is not writable).
func (s *Session) deliver(m *deliverRequested) {
	defer s.user.sink.delivered()
	h := s.user.hooks.Load()
	switch {
	case s.ws != nil:
		for _, p := range m.frames.Packets {
			s.countOut(p)
			if s.cfg.PacketOut != nil {
				s.cfg.PacketOut(s.cfg.SID, p)
			}
		}
		if s.ws.SendFrames(m.frames, m.volatile) == transport.PushQueued && h != nil {
			if h.PacketCreate != nil {
				for _, p := range m.frames.Packets {
					h.PacketCreate(p)
				}
			}
			if h.Drain != nil {
				h.Drain()
			}
		}
	case m.volatile && !s.pollWritable():
		if st := s.cfg.Stats; st != nil {
			st.VolatileDrops.Add(1)
		}
	default:
		// All of one delivery's packets go into one poll payload.
		if !s.bufferOut(m.frames.Packets...) {
			return
		}
		for _, p := range m.frames.Packets {
			s.countOut(p)
			if s.cfg.PacketOut != nil {
				s.cfg.PacketOut(s.cfg.SID, p)
			}
			if h != nil && h.PacketCreate != nil {
				h.PacketCreate(p)
			}
		}
		if s.pollWritable() {
			s.flushPoll()
		}
	}
}

func (s *Session) flushPoll() {
	var rep transport.PollReply
	var err error
	if s.cfg.EIO3 {
		rep, err = s.eio3Payload()
	} else {
		rep.Body, err = eio.AppendPayload(nil, s.buffer...)
	}
	if err != nil { // only our own packets are here: a bug, not input
		s.cfg.Logger.Error().Err(err).Str("sid", s.cfg.SID).Msg("encode poll payload")
	}
	rep.Status = http.StatusOK
	// A lone noop (an upgrade's) is the transport's own, not a flush of
	// the write buffer: no drain, as Node.
	noop := len(s.buffer) == 1 && s.buffer[0].Type == eio.Noop
	s.poll <- rep
	s.poll, s.buffer, s.pollHeld = nil, nil, false
	if h := s.user.hooks.Load(); h != nil && h.Drain != nil && !noop {
		h.Drain()
	}
}

// handleWhileDraining lets the deferred close finish: the next GET takes
// the buffer and the close packet; the drain deadline closes anyway.
func (s *Session) handleWhileDraining(msg any) {
	d := s.draining
	switch m := msg.(type) {
	case *transport.PollRequested:
		s.poll = m.Reply
		if len(s.buffer) > 0 {
			// What was buffered goes first, alone: the client handles it
			// before it sees the close, as with Node's drain-then-close.
			s.flushPoll()
			return
		}
		s.buffer = append(s.buffer, eio.Packet{Type: eio.Close})
		s.flushPoll()
	case *drainDue:
	case *deliverRequested:
		s.user.sink.delivered() // too late for this client
		return
	case *transport.WebSocketPacket:
		// An upgrade in progress goes on, as in Node: a client that sent
		// "5" polls no more, so the buffer and the close go out on the
		// WebSocket instead of waiting for a GET that never comes.
		if s.probe == nil || m.Conn != s.probe {
			return
		}
		s.probePacket(m.Packet)
		if s.ws == nil {
			return // probe answered, or aborted: still draining
		}
	default:
		s.refuseAfterClose(msg)
		return
	}
	stopTimer(d.timer)
	s.draining = nil
	s.drained = true // the close below must not defer itself again
	s.close(d.reason, d.detail, false)
}

// close is the one place a session ends: one reason, one log line.
func (s *Session) close(reason, detail string, clientClosed bool) {
	if s.closed {
		return
	}
	if !clientClosed && !s.drained && reason == ReasonForcedClose && s.ws == nil && s.poll == nil {
		// Polling and no GET waiting: the close packet (and anything
		// buffered before it) goes out on the next GET, as engine.io does;
		// a server shutdown discards instead.
		s.draining = &pendingClose{reason: reason, detail: detail, timer: s.after(s.cfg.PingTimeout, &drainDue{})}
		return
	}
	s.closed = true
	s.cfg.Inbound.Close() // a paused reader or POST stops waiting
	s.hbGen++
	s.upGen++
	s.slowGen++
	stopTimer(s.slowTimer)
	stopTimer(s.hbTimer)
	stopTimer(s.upTimer)
	stopTimer(s.noopTimer)
	if s.overlap != nil {
		s.overlap <- transport.PollReply{Status: http.StatusBadRequest}
		s.overlap = nil
	}
	if s.poll != nil {
		// A client's close ends its pending GET with a noop; ours with close.
		last := eio.Close
		if clientClosed {
			last = eio.Noop
		}
		s.poll <- transport.PollReply{Status: http.StatusOK, Body: s.singlePacket(last)}
		s.poll, s.pollHeld = nil, false
	} else if clientClosed && s.ws == nil {
		// The client's close came in a POST that may have overtaken its
		// pending GET: that GET still gets its noop.
		s.lateGet = s.after(lateGetGrace, &lingerDue{})
	}
	if s.ws != nil {
		closeWebSocket(s.ws, reason, detail)
	}
	if s.probe != nil {
		s.probe.Close(ws.StatusGoingAway)
	}
	s.buffer = nil
	s.user.sink.close()
	if st := s.cfg.Stats; st != nil {
		st.transportGauge(s.ws != nil).Add(-1)
		st.closed(reason)
		if detail == "slow consumer" || detail == "outbound queue overflow" {
			st.SlowConsumers.Add(1)
		}
	}
	s.cfg.Logger.Debug().Str("sid", s.cfg.SID).Str("transport", s.transportName()).Str("reason", reason).Str("detail", detail).Msg("session closed")
	s.callUser(func() { s.cfg.Handler.OnClose(s.user, reason) })
	s.endReason = reason
	// Stored before the hooks are loaded, as SetConnEvents stores them
	// before its caller reads CloseReason: one of the two sees the close.
	s.user.endReason.Store(&reason)
	if h := s.user.hooks.Load(); h != nil && h.Close != nil {
		h.Close(reason)
	}
}

// reportEnd tells the owner the session has ended, once, after the message
// that ended it is fully handled, so a POST that carried the client's close
// packet still gets its "ok" before the session disappears, and after the
// GET that close may have overtaken has had its answer.
func (s *Session) reportEnd() {
	if !s.closed || s.endReported || s.lateGet != nil {
		return
	}
	s.endReported = true
	if s.cfg.Ended != nil {
		s.cfg.Ended(s.cfg.SID, s.endReason)
	}
}

// callUser runs user code; a panic costs only this session.
func (s *Session) callUser(f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error().Str("sid", s.cfg.SID).Interface("panic", r).Msg("handler panicked")
			if !s.closed {
				s.close(ReasonTransportError, "handler panic", false)
			}
		}
	}()
	f()
}

func (s *Session) after(d time.Duration, msg any) *time.Timer {
	return time.AfterFunc(d, func() { s.tell(msg) })
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
