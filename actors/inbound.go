package actors

// The session's side of inbound credit (transport.Inbound): every packet
// the transport hands over holds a credit until it is fully handled, and
// what happens when the backlog passes its limits.

import (
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// InboundPolicy is what happens when a session's inbound backlog (messages
// received and not yet handled) passes its limits.
type InboundPolicy uint8

const (
	// InboundPause stops reading the client until the backlog drains: a
	// WebSocket is not read (TCP pushes back on the client), a polling
	// POST's answer waits (the client posts again only after it).
	InboundPause InboundPolicy = iota
	// InboundClose closes the session ("transport error", inbound backlog).
	InboundClose
)

// String returns the policy's name, for logs.
func (p InboundPolicy) String() string {
	switch p {
	case InboundPause:
		return "pause"
	case InboundClose:
		return "close"
	}
	return "unknown"
}

// DetailInboundBacklog is the detail logged when a session is closed for
// its inbound backlog.
const DetailInboundBacklog = "inbound backlog"

// EngineCreditHandler is implemented by an EngineHandler that finishes
// handling messages after OnMessage returns (on a goroutine of its own):
// the session calls OnMessageWithCredit instead of OnMessage and hands it
// the message's credit, which it must Release once the message is fully
// handled, so the session's inbound backlog counts that work too. A plain
// EngineHandler's message is handled when OnMessage returns.
type EngineCreditHandler interface {
	OnMessageWithCredit(s *EngineSession, data []byte, binary bool, c transport.Credit)
}

// messageReceived hands a message and its credit to the user's handler.
func (s *Session) messageReceived(p eio.Packet, c transport.Credit) {
	if h, ok := s.cfg.Handler.(EngineCreditHandler); ok {
		s.callUser(func() { h.OnMessageWithCredit(s.user, p.Data, p.Binary, c) })
		return
	}
	s.callUser(func() { s.cfg.Handler.OnMessage(s.user, p.Data, p.Binary) })
	c.Release()
}

// inboundPaused applies the policy once the transport has stopped reading.
func (s *Session) inboundPaused() {
	if st := s.cfg.Stats; st != nil {
		st.InboundPauses.Add(1)
	}
	if s.cfg.InboundPolicy == InboundClose {
		s.closeInboundBacklog()
		return
	}
	msgs, bytes := s.cfg.Inbound.Backlog()
	s.cfg.Logger.Debug().Str("sid", s.cfg.SID).Str("transport", s.transportName()).Int("messages", msgs).Int("bytes", bytes).Msg("inbound paused")
}

// closeInboundBacklog ends a session whose handlers do not keep up with
// its client: under InboundClose at once, under InboundPause when a POST
// could not be held any longer.
func (s *Session) closeInboundBacklog() {
	if st := s.cfg.Stats; st != nil {
		st.InboundBacklogCloses.Add(1)
	}
	s.close(ReasonTransportError, DetailInboundBacklog, false)
}

// pongGrace is how much longer a pong that is due now may take. The ping
// timeout counts only time during which the server reads the client: while
// reading is paused for the inbound backlog, the client's pong may be
// waiting unread behind the backlog (a paused reader cannot look past
// unread input, and control packets cannot jump the queue), so the session
// waits on, until a full ping timeout after reading resumes. A client that
// is really gone is still caught: once the backlog drains, reading resumes
// and its pong does not come.
func (s *Session) pongGrace() time.Duration {
	since, reading := s.cfg.Inbound.Reading()
	if !reading {
		return s.cfg.PingTimeout
	}
	return time.Until(since.Add(s.cfg.PingTimeout))
}

// creditAt returns credits[i], or no credit when the sender gave none.
func creditAt(credits []transport.Credit, i int) transport.Credit {
	if i < len(credits) {
		return credits[i]
	}
	return transport.Credit{}
}

func releaseAll(credits []transport.Credit) {
	for _, c := range credits {
		c.Release()
	}
}
