package loadgen

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// connState is where a client connection is in its set-up.
type connState uint8

const (
	stConnecting    connState = iota // TCP connect in progress
	stUpgrading                      // HTTP upgrade request sent, awaiting 101
	stOpening                        // WebSocket up, awaiting the Engine.IO OPEN packet
	stSIOConnecting                  // "40" sent, awaiting the Socket.IO CONNECT answer
	stReady                          // connected to namespace "/"
	stClosed
)

// ctrlAckBase separates control acks (join, leave, stats, queue: off the hot
// path, answered through a callback) from input acks (from inputAckBase) and
// echo acks (ids below that).
const ctrlAckBase = 1 << 40

var (
	errUpgrade      = errors.New("loadgen: websocket upgrade refused")
	errServerClosed = errors.New("loadgen: server closed the connection")
	errConnectError = errors.New("loadgen: socket.io CONNECT_ERROR")
	errDialTimeout  = errors.New("loadgen: connection set-up timed out")
	errFragment     = errors.New("loadgen: continuation frame without a first fragment")
)

// conn is one client: a non-blocking TCP socket and its WebSocket,
// Engine.IO and Socket.IO state. Every field is owned by the worker
// goroutine the conn belongs to.
type conn struct {
	w     *worker
	fd    int
	id    int
	state connState

	dialStart int64
	dialDone  func(c *conn, err error) // called once when set-up ends
	wsKey     string

	rbuf    []byte // bytes of a frame not yet complete
	frag    []byte // a fragmented message being reassembled
	fragOp  byte
	fragged bool
	out     []byte // bytes the socket did not take yet
	outWait bool   // EPOLLOUT armed
	rng     uint64 // mask keys

	auth     string    // the CONNECT packet's auth object (Config.Auth), "" for none
	game     *gameConn // the lobby game's state, nil outside it
	room     string
	ctrl     map[uint64]func(args []byte)
	nextCtrl uint64

	echoSeq     uint64
	echoPending bool
}

func (c *conn) maskKey() uint32 {
	// xorshift64*: mask keys need only be unpredictable enough that a proxy
	// cannot be confused; none is on the path.
	c.rng ^= c.rng >> 12
	c.rng ^= c.rng << 25
	c.rng ^= c.rng >> 27
	return uint32((c.rng * 2685821657736338717) >> 32)
}

// upgradeRequest is the HTTP request that opens a WebSocket directly
// (docs/bench-contract.md §2).
func (c *conn) upgradeRequest(host string) []byte {
	var k [16]byte
	for i := 0; i < 16; i += 4 {
		v := c.maskKey()
		k[i], k[i+1], k[i+2], k[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	c.wsKey = base64.StdEncoding.EncodeToString(k[:])
	return []byte("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + c.wsKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n")
}

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// checkUpgrade validates the server's answer to the upgrade request.
func (c *conn) checkUpgrade(head []byte) error {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 101")) {
		return fmt.Errorf("%w: %q", errUpgrade, line)
	}
	want := acceptKey(c.wsKey)
	for _, h := range bytes.Split(rest, []byte("\r\n")) {
		name, value, ok := bytes.Cut(h, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Sec-WebSocket-Accept")) {
			if string(bytes.TrimSpace(value)) != want {
				return fmt.Errorf("%w: bad Sec-WebSocket-Accept", errUpgrade)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: no Sec-WebSocket-Accept", errUpgrade)
}

// write sends b, queueing what the socket does not take (bounded by
// MaxPending: past it the message is dropped and counted).
func (c *conn) write(b []byte) {
	t := &c.w.t
	if c.state == stClosed {
		t.dropped++
		return
	}
	if len(c.out) > 0 {
		if len(c.out)+len(b) > c.w.g.cfg.MaxPending {
			t.dropped++
			return
		}
		c.out = append(c.out, b...)
		return
	}
	n, err := unix.Write(c.fd, b)
	if err != nil {
		if err != unix.EAGAIN && err != unix.EINTR {
			c.fail(err)
			return
		}
		n = 0
	}
	if n < len(b) {
		c.out = append(c.out, b[n:]...)
		c.w.watchOut(c, true)
	}
}

// flush writes queued bytes once the socket is writable again.
func (c *conn) flush() {
	if len(c.out) == 0 {
		c.w.watchOut(c, false)
		return
	}
	n, err := unix.Write(c.fd, c.out)
	if err != nil {
		if err != unix.EAGAIN && err != unix.EINTR {
			c.fail(err)
		}
		return
	}
	rest := copy(c.out, c.out[n:])
	c.out = c.out[:rest]
	if rest == 0 {
		if cap(c.out) > 1<<20 {
			c.out = nil
		}
		c.w.watchOut(c, false)
	}
}

// sendText sends one Engine.IO packet as a masked text frame.
func (c *conn) sendText(p []byte) {
	c.w.wb = appendClientFrame(c.w.wb[:0], opText, p, c.maskKey())
	c.write(c.w.wb)
}

// ctrlCall emits a control event (join, leave, stats) with an ack; cb gets a
// copy of the ack's argument array.
func (c *conn) ctrlCall(event, arg string, cb func(args []byte)) {
	raw := ""
	if arg != "" {
		raw = `"` + arg + `"`
	}
	c.ctrlCallRaw(event, raw, cb)
}

// ctrlCallRaw is ctrlCall with the arguments as raw JSON.
func (c *conn) ctrlCallRaw(event, rawArgs string, cb func(args []byte)) {
	if c.ctrl == nil {
		c.ctrl = make(map[uint64]func([]byte))
	}
	c.nextCtrl++
	id := ctrlAckBase + c.nextCtrl
	c.ctrl[id] = cb
	p := strconv.AppendUint([]byte("42"), id, 10)
	p = append(p, `["`+event+`"`...)
	if rawArgs != "" {
		p = append(p, ","+rawArgs...)
	}
	p = append(p, ']')
	c.sendText(p)
}

// sendEcho emits `42<id>["echo","<now>|<seq>|<id>|xxx"]`; the ack carries
// the same string back.
func (c *conn) sendEcho(now int64) {
	c.echoSeq++
	if c.echoSeq >= ctrlAckBase {
		c.echoSeq = 1
	}
	c.w.pb = appendEvent(c.w.pb[:0], c.echoSeq, "echo", "", now, c.echoSeq, c.id, c.w.g.cfg.PayloadBytes)
	c.echoPending = true
	c.w.t.countSent(now)
	c.sendText(c.w.pb)
}

// fail closes the connection with err: a set-up failure is reported to the
// dialer, a failure after set-up is counted as a disconnect.
func (c *conn) fail(err error) {
	if c.state == stClosed {
		return
	}
	ready := c.state == stReady
	c.state = stClosed
	c.w.remove(c)
	_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	_ = unix.Close(c.fd)
	c.rbuf, c.frag, c.out, c.ctrl = nil, nil, nil, nil
	if ready {
		c.w.t.disconnects++
		if c.w.t.firstErr == nil {
			c.w.t.firstErr = fmt.Errorf("client %d: %w", c.id, err)
		}
	}
	if c.dialDone != nil {
		done := c.dialDone
		c.dialDone = nil
		done(c, err)
	}
}

// onConnected runs when the TCP connect finished: it checks the socket error
// and sends the upgrade request.
func (c *conn) onConnected() {
	soerr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.state = stUpgrading
	c.w.watchOut(c, false)
	c.write(c.upgradeRequest(c.w.g.host))
}

// readOnce reads what the socket holds (one read) and handles every
// complete frame in it.
func (c *conn) readOnce(now int64) {
	var buf []byte
	pending := len(c.rbuf)
	if pending > 0 {
		if cap(c.rbuf)-pending < 16<<10 {
			nb := make([]byte, pending, 2*cap(c.rbuf)+64<<10)
			copy(nb, c.rbuf)
			c.rbuf = nb
		}
		buf = c.rbuf[pending:cap(c.rbuf)]
	} else {
		buf = c.w.rd
	}
	n, err := unix.Read(c.fd, buf)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		c.fail(err)
		return
	}
	if n == 0 {
		c.fail(errServerClosed)
		return
	}
	c.w.t.bytesIn += uint64(n)
	c.w.t.reads++
	var data []byte
	if pending > 0 {
		data = c.rbuf[:pending+n]
	} else {
		data = buf[:n]
	}
	used := c.onData(data, now)
	if c.state == stClosed {
		return
	}
	rest := data[used:]
	switch {
	case len(rest) == 0:
		c.rbuf = c.rbuf[:0]
		if cap(c.rbuf) > 256<<10 {
			c.rbuf = nil
		}
	case pending > 0:
		c.rbuf = c.rbuf[:copy(c.rbuf, rest)]
	default:
		c.rbuf = append(c.rbuf[:0], rest...)
	}
}

// onData handles the HTTP upgrade answer and then complete frames; it
// returns how many bytes it consumed.
func (c *conn) onData(data []byte, now int64) int {
	off := 0
	if c.state == stUpgrading {
		i := bytes.Index(data, []byte("\r\n\r\n"))
		if i < 0 {
			if len(data) > 16<<10 {
				c.fail(fmt.Errorf("%w: header too long", errUpgrade))
			}
			return 0
		}
		if err := c.checkUpgrade(data[:i]); err != nil {
			c.fail(err)
			return 0
		}
		off = i + 4
		c.state = stOpening
	}
	for off < len(data) {
		f, n, err := parseFrame(data[off:], c.w.g.cfg.MaxFrame)
		if err != nil {
			c.fail(err)
			return off
		}
		if n == 0 {
			break
		}
		off += n
		c.onFrame(f, now)
		if c.state == stClosed {
			return off
		}
	}
	return off
}

func (c *conn) onFrame(f frame, now int64) {
	t := &c.w.t
	t.frames++
	switch f.op {
	case opText, opBinary:
		if !f.fin {
			c.frag = append(c.frag[:0], f.payload...)
			c.fragOp, c.fragged = f.op, true
			return
		}
		if f.op == opText {
			c.onPacket(f.payload, now)
		} else {
			t.other++
		}
	case opContinuation:
		if !c.fragged {
			c.fail(errFragment)
			return
		}
		c.frag = append(c.frag, f.payload...)
		if f.fin {
			c.fragged = false
			if c.fragOp == opText {
				c.onPacket(c.frag, now)
			} else {
				t.other++
			}
			if cap(c.frag) > 64<<10 {
				c.frag = nil
			}
		}
	case opPing:
		c.w.wb = appendClientFrame(c.w.wb[:0], opPong, f.payload, c.maskKey())
		c.write(c.w.wb)
	case opPong:
	case opClose:
		c.w.wb = appendClientFrame(c.w.wb[:0], opClose, nil, c.maskKey())
		c.write(c.w.wb)
		c.fail(errServerClosed)
	}
}

// onPacket handles one Engine.IO packet.
func (c *conn) onPacket(p []byte, now int64) {
	t := &c.w.t
	if len(p) == 0 {
		t.other++
		return
	}
	switch p[0] {
	case '2': // PING: answer at once
		c.sendText([]byte("3"))
	case '0': // OPEN
		if c.state == stOpening {
			c.state = stSIOConnecting
			c.sendText([]byte("40" + c.auth))
		}
	case '1': // CLOSE
		c.fail(errServerClosed)
	case '4':
		if len(p) < 2 {
			t.other++
			return
		}
		switch p[1] {
		case '2':
			c.onEvent(p, now)
		case '3':
			c.onAck(p, now)
		case '0':
			if c.state == stSIOConnecting {
				c.state = stReady
				if c.dialDone != nil {
					done := c.dialDone
					c.dialDone = nil
					done(c, nil)
				}
			}
		case '4':
			c.fail(fmt.Errorf("%w: %.200s", errConnectError, p))
		case '1':
			c.fail(errServerClosed)
		default:
			t.other++
		}
	default:
		t.other++
	}
}

// onEvent counts a delivery: it reads the event name and the payload's
// leading timestamp by position.
func (c *conn) onEvent(p []byte, now int64) {
	t := &c.w.t
	name, arg, ok := parseEvent(p)
	if !ok {
		t.other++
		return
	}
	t.lastRecv = now
	switch string(name) {
	case "state":
		c.onState(p, now)
	case "matched":
		c.onMatched(p)
	case "left":
		t.left++
	case "fanout", "relay":
		ns, _, ok := parseStamp(arg)
		if !ok {
			t.malformed++
			return
		}
		if name[0] == 'r' && senderOf(arg) == c.id {
			t.selfRelay++ // the contract excludes the sender from relay
		}
		t.countRecv(ns, now)
	case "tick":
		ns, seq, ok := parseTickStamp(arg)
		if !ok {
			t.malformed++
			return
		}
		if t.countRecv(ns, now) {
			if !t.tickSeen || seq < t.tickSeqMin {
				t.tickSeqMin = seq
			}
			if !t.tickSeen || seq > t.tickSeqMax {
				t.tickSeqMax = seq
			}
			t.tickSeen = true
		}
	default:
		t.other++
	}
}

// onAck routes a control ack to its callback, or closes an echo round trip
// and starts the next one.
func (c *conn) onAck(p []byte, now int64) {
	t := &c.w.t
	id, args, ok := parseAck(p)
	if !ok {
		t.malformed++
		return
	}
	if id >= ctrlAckBase {
		cb := c.ctrl[id]
		delete(c.ctrl, id)
		if cb != nil {
			cb(bytes.Clone(args))
		}
		return
	}
	if id >= inputAckBase {
		c.onInputAck(id, args, now)
		return
	}
	if !c.echoPending || id != c.echoSeq || len(args) < 2 || args[1] != '"' {
		t.malformed++
		return
	}
	c.echoPending = false
	t.lastRecv = now
	ns, _, ok := parseStamp(args[2:])
	if !ok {
		t.malformed++
		return
	}
	t.countRecv(ns, now)
	if now < c.w.echoUntil {
		c.sendEcho(now)
	}
}
