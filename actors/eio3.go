package actors

// The session's Engine.IO v3 differences (Socket.IO 2.x clients), chosen
// once per session (SessionConfig.EIO3): the heartbeat runs the other way
// (the client pings, the session answers pong and allows it pingInterval +
// pingTimeout until the next ping, as Node), and polling payloads take the
// v3 form (protocol/eio3). Upgrades, noops and closes are as in v4.

import (
	"net/http"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/eio3"
	"github.com/actorio/actorio/transport"
)

// eio3Heartbeat starts a new heartbeat generation: the session ends at
// pingInterval + pingTimeout from now unless the client pings. nextPing is
// when the ping is expected, so heartbeatOverdue and pongGrace work as in
// v4, with awaitingPong meaning "awaiting the client's ping".
func (s *Session) eio3Heartbeat() {
	s.nextPing = time.Now().Add(s.cfg.PingInterval)
	s.awaitingPong = true
	s.hbGen++
	stopTimer(s.hbTimer)
	s.hbTimer = s.after(time.Until(s.nextPing.Add(s.cfg.PingTimeout)), &pongDue{gen: s.hbGen})
}

// eio3Ping answers a v3 client's ping with a pong and restarts the wait.
func (s *Session) eio3Ping() {
	s.send(eio.Packet{Type: eio.Pong})
	s.eio3Heartbeat()
}

// eio3Payload encodes the polling buffer in the v3 form: binary packets as
// a binary payload for an XHR2 client, as base64 text for a "b64" one.
func (s *Session) eio3Payload() (transport.PollReply, error) {
	body, binary, err := eio3.AppendPayload(nil, s.buffer, !s.cfg.Base64)
	return transport.PollReply{Status: http.StatusOK, Body: body, Binary: binary}, err
}

// singlePacket is the body of a poll answered with one bare packet (a noop,
// a close) in the client's protocol.
func (s *Session) singlePacket(t eio.PacketType) []byte {
	if s.cfg.EIO3 {
		return []byte{'1', ':', '0' + byte(t)}
	}
	return []byte{'0' + byte(t)}
}
