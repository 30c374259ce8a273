package actors

// The polling buffer's bound: packets waiting for a GET follow the same
// slow-consumer policy as a WebSocket's outbound queue (same QueueLimits,
// same grace, same reasons and metric), so a client that stops polling in
// a busy room costs bounded memory and is closed.

import "github.com/actorio/actorio/protocol/eio"

// bufferOut adds packets for the next GET. Past the soft limit, with no GET
// waiting, the slow-consumer grace period starts (volatile packets are not
// buffered at all then: see deliver); past the hard limit the session
// closes at once. It reports whether the packets were buffered.
func (s *Session) bufferOut(ps ...eio.Packet) bool {
	if len(s.buffer) == 0 {
		s.bufBytes = 0 // whatever empties the buffer, the count starts over
	}
	bytes, packets := s.bufBytes, len(s.buffer)+len(ps)
	for _, p := range ps {
		bytes += 1 + len(p.Data) // the type byte and the data, as encoded
	}
	q := s.cfg.Queue.Resolved()
	if bytes > q.HardBytes || packets > q.HardFrames {
		s.close(ReasonTransportError, "outbound queue overflow", false)
		return false
	}
	s.buffer = append(s.buffer, ps...)
	s.bufBytes = bytes
	if s.poll == nil && (bytes > q.SoftBytes || packets > q.SoftFrames) {
		s.slowConsumer()
	}
	return true
}

// backlogged reports whether the transport in use holds at least its soft
// limit of outbound data: checked when a slow-consumer grace period ends.
func (s *Session) backlogged() bool {
	if s.ws != nil {
		return s.ws.Backlogged()
	}
	q := s.cfg.Queue.Resolved()
	return len(s.buffer) > 0 && (s.bufBytes >= q.SoftBytes || len(s.buffer) >= q.SoftFrames)
}
