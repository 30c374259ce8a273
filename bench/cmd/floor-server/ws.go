package main

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WebSocket (RFC 6455), the part the bench contract needs: the upgrade of
// GET /socket.io/?EIO=4&transport=websocket, masked client frames in,
// unmasked text frames out, no extensions.

const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

var (
	errNotUpgrade = errors.New("ws: not a websocket upgrade of /socket.io/?EIO=4&transport=websocket")
	errProtocol   = errors.New("ws: protocol error")
	errTooBig     = errors.New("ws: message larger than maxPayload")
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// upgrade reads the HTTP request head from r and returns the response
// head to write, or errNotUpgrade (and a 400 to write) for anything else.
func upgrade(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	ok := bytes.HasPrefix(line, []byte("GET /socket.io/?")) &&
		bytes.Contains(line, []byte("EIO=4")) && bytes.Contains(line, []byte("transport=websocket"))
	var key []byte
	upgradeWS := false
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, found := bytes.Cut(h, []byte(":"))
		if !found {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Sec-WebSocket-Key")):
			key = append([]byte(nil), value...)
		case bytes.EqualFold(name, []byte("Upgrade")):
			upgradeWS = bytes.EqualFold(value, []byte("websocket"))
		}
	}
	if !ok || !upgradeWS || len(key) == 0 {
		body := `{"code":3,"message":"Bad request"}`
		return fmt.Appendf(nil, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body), errNotUpgrade
	}
	sum := sha1.Sum(append(key, wsGUID...))
	resp := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	resp = base64.StdEncoding.AppendEncode(resp, sum[:])
	return append(resp, "\r\n\r\n"...), nil
}

// frameReader reads client frames. A frame that fits the buffered
// reader's buffer is unmasked in place and returned without a copy (valid
// until the next read); a larger one is read into big.
type frameReader struct {
	r    *bufio.Reader
	big  []byte
	frag []byte // a fragmented message so far
	skip int    // bytes of the last frame still to discard
}

// next returns the next complete message (text, binary) or control frame.
func (f *frameReader) next() (op byte, payload []byte, err error) {
	for {
		if f.skip > 0 {
			if _, err := f.r.Discard(f.skip); err != nil {
				return 0, nil, err
			}
			f.skip = 0
		}
		var h [2]byte
		if _, err := io.ReadFull(f.r, h[:]); err != nil {
			return 0, nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0F
		if h[0]&0x70 != 0 || h[1]&0x80 == 0 { // reserved bits, or an unmasked client frame
			return 0, nil, errProtocol
		}
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(f.r, b[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(f.r, b[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n+uint64(len(f.frag)) > maxPayload {
			return 0, nil, errTooBig
		}
		var mask [4]byte
		if _, err := io.ReadFull(f.r, mask[:]); err != nil {
			return 0, nil, err
		}
		var p []byte
		if int(n) <= f.r.Size() {
			if p, err = f.r.Peek(int(n)); err != nil {
				return 0, nil, err
			}
			f.skip = int(n)
		} else {
			if cap(f.big) < int(n) {
				f.big = make([]byte, n)
			}
			p = f.big[:n]
			if _, err := io.ReadFull(f.r, p); err != nil {
				return 0, nil, err
			}
		}
		for i := range p {
			p[i] ^= mask[i&3]
		}
		switch {
		case op >= opClose: // control frames are never fragmented
			return op, p, nil
		case fin && op != opContinuation && f.frag == nil:
			return op, p, nil
		case op != opContinuation: // first fragment
			f.frag = append(append(make([]byte, 0, 2*len(p)+1), op), p...)
		case f.frag == nil:
			return 0, nil, errProtocol
		default:
			f.frag = append(f.frag, p...)
		}
		if fin {
			msg := f.frag
			f.frag = nil
			return msg[0], msg[1:], nil
		}
	}
}

// appendHeader appends the header of an unmasked final frame of op
// carrying n bytes.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// textFrame is one text frame holding the concatenation of parts.
func textFrame(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := appendHeader(make([]byte, 0, n+10), opText, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
