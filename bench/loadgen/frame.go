package loadgen

import (
	"encoding/binary"
	"errors"
)

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Frame parser errors. A connection that hits one is closed and counted.
var (
	errFrameRSV     = errors.New("loadgen: frame has RSV bits set (no extension was negotiated)")
	errFrameMasked  = errors.New("loadgen: server frame is masked")
	errFrameTooBig  = errors.New("loadgen: frame larger than the payload limit")
	errFrameControl = errors.New("loadgen: invalid control frame")
	errFrameOpcode  = errors.New("loadgen: reserved opcode")
)

// frame is one WebSocket frame read from the server. payload aliases the
// buffer given to parseFrame.
type frame struct {
	fin     bool
	op      byte
	payload []byte
}

// parseFrame reads one server-to-client frame from the front of b.
//
//	 0               1               2               3
//	 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//
// It returns the number of bytes the frame occupies, or n == 0 and a nil
// error when b does not yet hold the whole frame. Server frames must not be
// masked; max bounds the payload length. The payload is not copied.
func parseFrame(b []byte, max int) (f frame, n int, err error) {
	if len(b) < 2 {
		return frame{}, 0, nil
	}
	b0, b1 := b[0], b[1]
	if b0&0x70 != 0 {
		return frame{}, 0, errFrameRSV
	}
	if b1&0x80 != 0 {
		return frame{}, 0, errFrameMasked
	}
	f.fin = b0&0x80 != 0
	f.op = b0 & 0x0f
	switch f.op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		return frame{}, 0, errFrameOpcode
	}
	hdr := 2
	length := uint64(b1 & 0x7f)
	switch length {
	case 126:
		if len(b) < 4 {
			return frame{}, 0, nil
		}
		length = uint64(binary.BigEndian.Uint16(b[2:4]))
		hdr = 4
	case 127:
		if len(b) < 10 {
			return frame{}, 0, nil
		}
		length = binary.BigEndian.Uint64(b[2:10])
		hdr = 10
	}
	if f.op >= opClose && (!f.fin || length > 125) {
		return frame{}, 0, errFrameControl
	}
	if length > uint64(max) {
		return frame{}, 0, errFrameTooBig
	}
	end := hdr + int(length)
	if len(b) < end {
		return frame{}, 0, nil
	}
	f.payload = b[hdr:end]
	return f, end, nil
}

// appendClientFrame appends one complete (FIN) client-to-server frame with
// opcode op to dst, masked with key as RFC 6455 requires of clients.
func appendClientFrame(dst []byte, op byte, payload []byte, key uint32) []byte {
	dst = append(dst, 0x80|op)
	n := len(payload)
	switch {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], key)
	dst = append(dst, k[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	mask(dst[start:], k)
	return dst
}

// mask XORs b in place with the 4-byte key (masking and unmasking are the
// same operation).
func mask(b []byte, k [4]byte) {
	k64 := uint64(binary.LittleEndian.Uint32(k[:]))
	k64 |= k64 << 32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= k[i&3]
	}
}
