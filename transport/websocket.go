package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// WSConn is one WebSocket connection: a reader goroutine that reports
// packets to its session, and an OutConn that the writer pool flushes.
// Server frames are unmasked, so a frame built once can go to every member
// of a broadcast.
type WSConn struct {
	conn       net.Conn
	out        *OutConn
	maxPayload int
	pending    []byte          // read by the HTTP upgrade past the handshake; consumed by read
	deflate    *DeflateOptions // nil unless permessage-deflate was negotiated
	eio3, b64  bool            // an Engine.IO v3 client (eio3_ws.go), which asked for base64; set before Attach

	mu          sync.Mutex
	session     Session  // set by Attach; packets before that are dropped
	poll        *pollReg // its registration with poller, once made
	readStopped bool     // closing: not to be registered again

	inbound *Inbound    // its session's credit; set by Attach before reading starts
	poller  *ReadPoller // reads it when it has input; nil: a goroutine reads it

	// The reader's, owned by whoever holds readMu: the poller's loop, or
	// the goroutine reading it.
	readMu    sync.Mutex
	parser    frameParser
	held      []byte // read, not yet parsed: the backlog paused reading
	raw       syscall.RawConn
	handedOff bool // carryOn reads it: the poller must not
	readOver  bool // its end was reported: nothing more is read

	// edge is set by the poller for input not yet read (edge-triggered:
	// once per arrival); whoever holds readMu reads until it is clear.
	edge atomic.Bool

	direct directPath // direct.go
}

// ErrMessageTooBig is reported when a message is over the payload limit.
var ErrMessageTooBig = errors.New("transport: websocket message too big")

// ErrInvalidUTF8 is reported for text (a WebSocket text message, a polling
// POST body) that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("transport: invalid UTF-8 in text message")

// NewWSConn wraps a connection whose WebSocket handshake is done (deflate
// non-nil when permessage-deflate was negotiated). The Handler makes these;
// a transport that accepts connections itself, or a test, may too.
func NewWSConn(c net.Conn, pool *WriterPool, limits QueueLimits, maxPayload int, deflate *DeflateOptions) (*WSConn, error) {
	w := &WSConn{conn: c, maxPayload: maxPayload, deflate: deflate}
	out, err := pool.Attach(c, limits, ConnHooks{
		OnSoft:       func() { w.tell(&SlowConsumer{Conn: w}) },
		OnHard:       func() { w.tell(&QueueOverflow{Conn: w}) },
		OnWriteError: func(err error) { w.tell(&WebSocketClosed{Conn: w, Err: err}) },
		OnDone: func() {
			w.stopPolling()
			_ = c.Close()
		},
		OverflowFrame: slowConsumerFrame,
	})
	if err != nil {
		return nil, err
	}
	w.out = out
	return w, nil
}

// SlowConsumer: Conn's outbound queue crossed its soft limit.
type SlowConsumer struct{ Conn *WSConn }

// QueueOverflow: Conn's outbound queue overflowed its hard limit; the
// connection is closing as by CloseSlowConsumer.
type QueueOverflow struct{ Conn *WSConn }

// Attach binds the connection to its session and starts reading.
func (w *WSConn) Attach(s Session) {
	w.mu.Lock()
	first := w.session == nil
	w.session = s
	w.mu.Unlock()
	if first {
		w.inbound = s.Inbound()
		w.startReading()
	}
}

// tellPacket tells the session of a packet, which it marks Handled once
// done with it (direct.go).
func (w *WSConn) tellPacket(p eio.Packet, credit Credit) {
	w.mu.Lock()
	s := w.session
	w.mu.Unlock()
	if s == nil {
		credit.Release()
		return
	}
	w.direct.told.Add(1)
	s.Tell(&WebSocketPacket{Conn: w, Packet: p, Credit: credit})
}

func (w *WSConn) tell(msg any) {
	w.mu.Lock()
	s := w.session
	w.mu.Unlock()
	if s != nil {
		s.Tell(msg)
	}
}

// SendPacket frames an Engine.IO packet (text, or a binary message) and
// queues it.
func (w *WSConn) SendPacket(p eio.Packet) PushResult {
	return w.out.Push(NewFrames(p).forConn(w), false)
}

// Backlogged reports whether the outbound queue is at or past its soft limit.
func (w *WSConn) Backlogged() bool { return w.out.OverSoft() }

// Compresses reports whether this connection negotiated permessage-deflate,
// so a broadcast knows which of its two prebuilt frames to send here.
func (w *WSConn) Compresses() bool { return w.deflate != nil }

// SendFrame queues a frame built once for many connections.
func (w *WSConn) SendFrame(frame []byte, volatile bool) PushResult {
	return w.out.Push(frame, volatile)
}

// Close sends a close frame with code after what is queued, then closes
// the connection.
func (w *WSConn) Close(code ws.StatusCode) {
	w.out.CloseAfterFlush(AppendFrame(nil, ws.OpClose, ws.NewCloseFrameBody(code, "")))
}

// CloseSlowConsumer closes a connection whose client does not read what is
// sent to it fast enough: what is queued is dropped (but for the rest of a
// frame partly written), the client gets a close frame with
// SlowConsumerCode and the reason "slow consumer" instead, and the
// connection is closed once that is written or the pool's CloseTimeout has
// passed. An overflow of the hard limit does the same by itself.
func (w *WSConn) CloseSlowConsumer() { w.out.CloseNow(slowConsumerFrame) }

// SlowConsumerCode is the close code of a slow consumer: 1008, policy
// violation. The client broke a rule of the server's (read what you are
// sent, so that what waits for you stays bounded); 1013, try again later,
// would blame a passing condition of the server and invite a client that
// cannot keep up to come straight back.
const SlowConsumerCode = ws.StatusPolicyViolation

// slowConsumerFrame is shared by every connection; never modified.
var slowConsumerFrame = AppendFrame(nil, ws.OpClose, ws.NewCloseFrameBody(SlowConsumerCode, "slow consumer"))

const maxHeaderLen = 10 // server frames carry no mask

// AppendFrame appends one unmasked, final WebSocket frame.
func AppendFrame(dst []byte, op ws.OpCode, payload []byte) []byte {
	dst = appendFrameHeader(dst, op, len(payload))
	return append(dst, payload...)
}

func appendFrameHeader(dst []byte, op ws.OpCode, n int) []byte {
	dst = append(dst, 0x80|byte(op))
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xffff:
		return append(dst, 126, byte(n>>8), byte(n))
	default:
		return append(dst, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// readBufferSize is the buffer of a connection read by a goroutine of its
// own (TLS, systems without epoll): one read takes a small frame's header
// and payload together, at 512 bytes per connection; a larger payload is
// read straight into its own slice.
const readBufferSize = 512

// startReading reads the connection from now on: on the poller when there
// is one and the connection is a plain socket, else on a goroutine.
func (w *WSConn) startReading() {
	w.parser = frameParser{maxPayload: w.maxPayload, deflate: w.deflate != nil}
	w.held, w.pending = w.pending, nil // bytes the upgrade's reader had already taken
	rc := rawConnOf(w.conn)
	if w.poller == nil || rc == nil || !w.poller.ready() {
		go w.readLoop()
		return
	}
	w.raw = rc
	_ = w.conn.SetReadDeadline(time.Time{}) // the poller's reads must not see the handshake's
	w.startPolling()
}

// stopPolling unregisters the connection, before it is closed.
func (w *WSConn) stopPolling() {
	w.mu.Lock()
	w.readStopped = true
	reg := w.poll
	w.mu.Unlock()
	if reg != nil {
		reg.remove()
	}
}

// readLoop reads the connection on a goroutine of its own until it fails.
func (w *WSConn) readLoop() {
	w.readMu.Lock()
	defer w.readMu.Unlock()
	w.readEnded(w.readBlocking())
}

// carryOn reads where the poller cannot: while the inbound backlog is
// paused (a goroutine waits for it to drain) and while an oversized message
// is read past (with a deadline). The connection goes back to the poller
// once reading can go on.
func (w *WSConn) carryOn() {
	w.readMu.Lock()
	err := w.resume()
	if err == nil && w.parser.discarding() {
		err = w.readBlocking() // ends the connection
	}
	if err == nil {
		err = w.rejoinPoller()
	}
	if err != nil {
		w.readEnded(err)
	}
	w.readMu.Unlock()
	if err == nil {
		w.catchUp()
	}
}

// mustCarryOn reports whether the poller must hand the connection to
// carryOn rather than wait for its next input.
func (w *WSConn) mustCarryOn() bool {
	return w.held != nil || w.parser.discarding() || w.inbound.Over()
}

// readEnded reports the end of the connection's input to its session,
// once; the caller holds readMu.
func (w *WSConn) readEnded(err error) {
	if w.readOver {
		return
	}
	w.readOver = true
	w.tell(&WebSocketClosed{Conn: w, Err: err})
}

// readBlocking reads until the connection fails, with blocking reads. Every
// way it can fail closes the WebSocket with the code that says why (RFC
// 6455 7.4.1): 1002 for a frame that breaks RFC 6455 or a message that is
// not Engine.IO, 1007 for text that is not UTF-8, 1009 for a message over
// the limit.
func (w *WSConn) readBlocking() error {
	buf := make([]byte, readBufferSize)
	deadline := false
	for {
		if err := w.resume(); err != nil {
			return err
		}
		if w.parser.discarding() && !deadline {
			// The rest of an oversized message gets a second to come.
			_ = w.conn.SetReadDeadline(time.Now().Add(time.Second))
			deadline = true
		}
		target, direct := w.readTarget(buf)
		n, err := w.conn.Read(target)
		if n > 0 {
			if cerr := w.consume(target[:n], direct); cerr != nil {
				return cerr
			}
		}
		if err != nil {
			if w.parser.discarding() {
				return w.tooBig()
			}
			return err
		}
	}
}

// readTarget is where the next read goes: into the payload being read
// when what is left of it does not fit buf, into buf otherwise.
func (w *WSConn) readTarget(buf []byte) (target []byte, direct bool) {
	if t := w.parser.fillTarget(len(buf)); t != nil {
		return t, true
	}
	return buf, false
}

// consume parses what one read returned into readTarget's target. What the
// parser leaves unread (the inbound backlog went past its limits) is kept
// for resume.
func (w *WSConn) consume(data []byte, direct bool) error {
	var rest []byte
	var err error
	if direct {
		_, err = w.parser.filled(len(data), w)
	} else {
		rest, err = w.parser.feed(data, w)
	}
	if err != nil {
		return w.readFailed(err)
	}
	if len(rest) > 0 {
		w.held = bytes.Clone(rest)
	}
	return nil
}

// resume waits while the inbound backlog is past its limits, then parses
// what was read and left, until nothing is left.
func (w *WSConn) resume() error {
	for {
		if err := w.pauseWhileBacklogged(); err != nil {
			return err
		}
		if w.held == nil {
			return nil
		}
		held := w.held
		w.held = nil
		rest, err := w.parser.feed(held, w)
		if err != nil {
			return w.readFailed(err)
		}
		if len(rest) > 0 {
			w.held = rest
		}
	}
}

// readFailed closes the WebSocket for what the parser found wrong.
func (w *WSConn) readFailed(err error) error {
	var fe frameError
	switch {
	case errors.As(err, &fe):
		w.Close(ws.StatusProtocolError)
		return fe.err
	case errors.Is(err, errOversized):
		return w.tooBig()
	}
	return err // onMessage's or onControl's, which closed already
}

func (w *WSConn) tooBig() error {
	w.Close(ws.StatusMessageTooBig)
	w.tell(&PayloadTooLarge{Conn: w})
	return ErrMessageTooBig
}

// onControl answers a client's ping and close frames.
func (w *WSConn) onControl(op ws.OpCode, payload []byte) error {
	switch op {
	case ws.OpPing:
		w.out.Push(AppendFrame(nil, ws.OpPong, payload), false)
	case ws.OpClose:
		return w.closeReceived(payload)
	}
	return nil
}

// onMessage decodes a complete message and reports its Engine.IO packet to
// the session. It asks for more while the inbound backlog is within its
// limits.
func (w *WSConn) onMessage(op ws.OpCode, compressed bool, message []byte) (bool, error) {
	var err error
	if compressed {
		if message, err = inflate(message, w.maxPayload); err != nil {
			if errors.Is(err, ErrMessageTooBig) {
				w.Close(ws.StatusMessageTooBig)
				w.tell(&PayloadTooLarge{Conn: w})
			} else {
				w.Close(ws.StatusProtocolError)
				w.tell(&ParseFailed{Conn: w, Err: err})
			}
			return false, err
		}
	}
	var p eio.Packet
	if w.eio3 {
		if p, err = w.decodeEIO3(op, message); err != nil {
			return false, err
		}
	} else if op == ws.OpBinary {
		p = eio.DecodeBinary(message)
	} else {
		// Checked once, on the whole message: a character may straddle
		// fragments. Invalid text would be relayed as is to every member
		// of a room, and clients that check (browsers, ws) would drop
		// their connection.
		if !utf8.Valid(message) {
			w.Close(ws.StatusInvalidFramePayloadData)
			w.tell(&ParseFailed{Conn: w, Err: ErrInvalidUTF8})
			return false, ErrInvalidUTF8
		}
		if p, err = eio.DecodeText(message); err != nil {
			// The message is not Engine.IO, the protocol this WebSocket
			// speaks: a protocol error, as opposed to 1007's data that
			// does not fit the frame type.
			w.Close(ws.StatusProtocolError)
			w.tell(&ParseFailed{Conn: w, Err: err})
			return false, err
		}
	}
	credit := w.inbound.Acquire(len(p.Data))
	if !w.takeDirect(p, credit) {
		w.tellPacket(p, credit)
	}
	return !w.inbound.Over(), nil
}

// ErrCloseFrame wraps what is wrong with a client's close frame.
var ErrCloseFrame = errors.New("transport: invalid close frame")

// closeReceived answers the client's close frame: its code echoed (1000 if
// it gave none), or 1002 (1007 for a reason that is not UTF-8) when the
// frame is invalid. It returns io.EOF, or the frame's error.
func (w *WSConn) closeReceived(payload []byte) error {
	if len(payload) == 0 {
		w.Close(ws.StatusNormalClosure)
		return io.EOF
	}
	code, reason := ws.ParseCloseFrameData(payload)
	switch {
	case len(payload) == 1:
		w.Close(ws.StatusProtocolError)
		return fmt.Errorf("%w: 1-byte body", ErrCloseFrame)
	case !validCloseCode(code):
		w.Close(ws.StatusProtocolError)
		return fmt.Errorf("%w: code %d", ErrCloseFrame, code)
	case !utf8.ValidString(reason):
		w.Close(ws.StatusInvalidFramePayloadData)
		return fmt.Errorf("%w: reason is not UTF-8", ErrCloseFrame)
	}
	w.Close(code)
	return io.EOF
}

// validCloseCode reports whether a peer may send code: the codes RFC 6455
// and the IANA registry define for use in a close frame, and the ranges
// left to libraries and applications.
func validCloseCode(code ws.StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// pauseWhileBacklogged stops reading while the session's inbound backlog is
// past its limits: unread input stays in the kernel and TCP pushes back on
// the client. Control frames wait too (the reader cannot see past unread
// data); the session's heartbeat allows for that (Inbound.Reading). A pause
// in which nothing drains is reported, and reading stops for good.
func (w *WSConn) pauseWhileBacklogged() error {
	if !w.inbound.Over() {
		return nil
	}
	w.tell(&InboundPaused{Conn: w})
	err := w.inbound.Wait(context.Background())
	if errors.Is(err, ErrInboundStalled) {
		w.tell(&InboundStalled{Conn: w})
	}
	return err
}
