package transport

import (
	"encoding/binary"
	"errors"

	"github.com/gobwas/ws"
)

// frameParser reads a client's WebSocket frames out of the bytes given to
// it, in whatever pieces they arrive, without ever blocking: a reader that
// is told the socket is readable hands it what one read returned, and the
// parser keeps only the part of a frame still incomplete (at most a header
// of 14 bytes, or the payload being filled). An idle connection holds no
// buffer.
//
// It applies RFC 6455's rules for frames from a client, unmasks them,
// joins a fragmented message, and hands complete messages and control
// frames to its frameHandler. It is pure: no I/O, no time.
type frameParser struct {
	maxPayload int  // bytes a data message may hold; 0: no limit
	deflate    bool // permessage-deflate was negotiated: RSV1 allowed

	hdr [ws.MaxHeaderSize]byte // a header received in part
	hn  int

	inFrame bool
	h       ws.Header
	payload []byte // the frame's payload, len h.Length, filled up to got
	got     int

	messageOp  ws.OpCode // the data message in progress (fragmented); 0 if none
	message    []byte
	compressed bool

	discard int64 // bytes still to drop of a message over the limit
}

// frameHandler receives what the parser reads. A non-nil error ends the
// parse: the parser returns it as is.
type frameHandler interface {
	// onMessage gets a complete data message, which the handler now owns.
	// more tells the parser whether to go on with the bytes it was given
	// (false: it returns the rest unread).
	onMessage(op ws.OpCode, compressed bool, data []byte) (more bool, err error)
	// onControl gets a ping, pong or close frame.
	onControl(op ws.OpCode, payload []byte) error
}

// frameError is a frame that breaks RFC 6455: the connection closes with
// 1002.
type frameError struct{ err error }

func (e frameError) Error() string { return e.err.Error() }
func (e frameError) Unwrap() error { return e.err }

// errHeaderLengthMSB: a 64-bit length must have its top bit clear.
var errHeaderLengthMSB = errors.New("transport: websocket frame length has its most significant bit set")

// maxDiscard bounds what is read of an oversized message before closing.
const maxDiscard = 1 << 20

// errOversized: a message over the limit has been read past.
var errOversized = errors.New("transport: oversized websocket message read past")

// feed parses data. It returns what it left unread when the handler asked
// to stop, and an error that ends the connection: a frameError, the
// handler's own, or errOversized once a message over the limit has been
// read past (up to maxDiscard of it: closing a socket with unread input
// resets it, and the client would never see the 1009 close frame).
func (p *frameParser) feed(data []byte, h frameHandler) (rest []byte, err error) {
	for len(data) > 0 {
		if p.discard > 0 {
			k := min(int64(len(data)), p.discard)
			p.discard -= k
			data = data[k:]
			if p.discard == 0 {
				return nil, errOversized
			}
			continue
		}
		if !p.inFrame {
			n, err := p.header(data)
			if err != nil {
				return nil, err
			}
			data = data[n:]
			if p.discard > 0 {
				continue
			}
			if !p.inFrame {
				return nil, nil // all of data went into the partial header
			}
		}
		k := copy(p.payload[p.got:], data)
		p.got += k
		data = data[k:]
		if p.got < len(p.payload) {
			return nil, nil
		}
		more, err := p.frameDone(h)
		if err != nil {
			return nil, err
		}
		if !more {
			return data, nil
		}
	}
	return nil, nil
}

// discarding reports whether the parser is dropping an oversized message:
// the reader should give the client a bounded time to send it.
func (p *frameParser) discarding() bool { return p.discard > 0 }

// fillTarget returns the part of the current frame's payload still to come
// when it is at least min bytes: a reader reads into it directly (then
// calls filled) rather than into its buffer and through a copy.
func (p *frameParser) fillTarget(min int) []byte {
	if !p.inFrame || p.discard > 0 || len(p.payload)-p.got < min {
		return nil
	}
	return p.payload[p.got:]
}

// filled takes n bytes read into fillTarget's slice.
func (p *frameParser) filled(n int, h frameHandler) (more bool, err error) {
	p.got += n
	if p.got < len(p.payload) {
		return true, nil
	}
	return p.frameDone(h)
}

// header reads a frame header from data (after what came before of it),
// checks it, and starts the frame: inFrame is set once the header is
// complete. It returns the bytes of data it used.
func (p *frameParser) header(data []byte) (int, error) {
	held := p.hn
	b := data
	if held > 0 || len(data) < ws.MaxHeaderSize {
		k := copy(p.hdr[held:], data)
		b = p.hdr[:held+k]
	}
	h, n, err := parseClientHeader(b)
	if err != nil {
		return 0, frameError{err}
	}
	if n == 0 { // incomplete: b holds all of it so far
		p.hn = len(b)
		return len(data), nil
	}
	p.hn = 0
	if err := p.check(h); err != nil {
		return 0, frameError{err}
	}
	p.h, p.inFrame, p.got = h, true, 0
	switch {
	case !h.OpCode.IsControl() && p.maxPayload > 0 && int64(len(p.message))+h.Length > int64(p.maxPayload):
		p.discard = min(h.Length, maxDiscard)
		p.inFrame, p.payload, p.message = false, nil, nil
	default:
		p.payload = make([]byte, h.Length)
	}
	return n - held, nil
}

// check applies RFC 6455's rules for a frame from a client.
func (p *frameParser) check(h ws.Header) error {
	fragmented := p.messageOp != 0
	switch {
	case h.OpCode.IsReserved():
		return ws.ErrProtocolOpCodeReserved
	case !h.Masked:
		return ws.ErrProtocolMaskRequired
	case h.Rsv != 0 && (h.Rsv != ws.Rsv(true, false, false) || !p.deflate || h.OpCode.IsControl() || h.OpCode == ws.OpContinuation):
		// Only RSV1, only on the first frame of a data message, and only
		// when permessage-deflate was negotiated.
		return ws.ErrProtocolNonZeroRsv
	case h.OpCode.IsControl() && h.Length > 125:
		return ws.ErrProtocolControlPayloadOverflow
	case h.OpCode.IsControl() && !h.Fin:
		return ws.ErrProtocolControlNotFinal
	case h.OpCode == ws.OpContinuation && !fragmented:
		return ws.ErrProtocolContinuationUnexpected
	case h.OpCode.IsData() && h.OpCode != ws.OpContinuation && fragmented:
		return ws.ErrProtocolContinuationExpected
	}
	return nil
}

// frameDone handles a complete frame.
func (p *frameParser) frameDone(h frameHandler) (more bool, err error) {
	fh, payload := p.h, p.payload
	p.inFrame, p.payload = false, nil
	ws.Cipher(payload, fh.Mask, 0)
	switch fh.OpCode {
	case ws.OpPing, ws.OpPong, ws.OpClose:
		return true, h.onControl(fh.OpCode, payload)
	case ws.OpContinuation:
		p.message = append(p.message, payload...)
	default:
		p.messageOp, p.message, p.compressed = fh.OpCode, payload, fh.Rsv1()
	}
	if !fh.Fin {
		return true, nil
	}
	op, compressed, message := p.messageOp, p.compressed, p.message
	p.messageOp, p.message, p.compressed = 0, nil, false
	return h.onMessage(op, compressed, message)
}

// parseClientHeader parses a frame header at the start of b. n is the
// header's length, or 0 when b does not hold all of it yet.
func parseClientHeader(b []byte) (h ws.Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, nil
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] & 0x70) >> 4
	h.OpCode = ws.OpCode(b[0] & 0x0f)
	h.Masked = b[1]&0x80 != 0
	n = 2
	switch length := b[1] & 0x7f; length {
	case 126:
		n += 2
	case 127:
		n += 8
	default:
		h.Length = int64(length)
	}
	if h.Masked {
		n += 4
	}
	if len(b) < n {
		return ws.Header{}, 0, nil
	}
	switch b[1] & 0x7f {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		if b[2]&0x80 != 0 {
			return ws.Header{}, 0, errHeaderLengthMSB
		}
		h.Length = int64(binary.BigEndian.Uint64(b[2:10]))
	}
	if h.Masked {
		copy(h.Mask[:], b[n-4:n])
	}
	return h, n, nil
}
