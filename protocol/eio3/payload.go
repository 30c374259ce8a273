package eio3

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/eio"
)

// maxLengthDigits bounds a record's length field: more digits than any
// payload under a sane limit has (Node stops at 310).
const maxLengthDigits = 10

// binaryMarker ends a binary payload record's length.
const binaryMarker = 0xff

// AppendPayload appends packets as one polling payload for a client that
// takes binary payloads (supportsBinary: XHR2, no "b64" in its query) or
// not. It reports whether the payload is in the binary form (served as
// application/octet-stream): only when the client takes it and a packet is
// binary. Node: engine.io-parser 2.x encodePayload.
func AppendPayload(dst []byte, packets []eio.Packet, supportsBinary bool) ([]byte, bool, error) {
	if supportsBinary && hasBinary(packets) {
		out, err := appendBinaryPayload(dst, packets)
		return out, true, err
	}
	if len(packets) == 0 {
		return append(dst, '0', ':'), false, nil
	}
	for _, p := range packets {
		n := 1 + utf16Len(p.Data)
		if p.Binary {
			n = 2 + base64.StdEncoding.EncodedLen(len(p.Data))
		}
		start := len(dst)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ':')
		var err error
		if dst, err = AppendText(dst, p); err != nil {
			return dst[:start], false, err
		}
	}
	return dst, false, nil
}

func appendBinaryPayload(dst []byte, packets []eio.Packet) ([]byte, error) {
	for _, p := range packets {
		if !p.Type.Valid() {
			return dst, eio.ErrUnknownType
		}
		kind, n := byte(0), 1+len(p.Data)
		if p.Binary {
			if p.Type != eio.Message {
				return dst, eio.ErrBinaryNotData
			}
			kind = 1
		}
		dst = append(dst, kind)
		var num [24]byte
		for _, d := range strconv.AppendInt(num[:0], int64(n), 10) {
			dst = append(dst, d-'0')
		}
		dst = append(dst, binaryMarker)
		if p.Binary {
			dst = AppendBinary(dst, p)
		} else {
			dst = append(dst, '0'+byte(p.Type))
			dst = append(dst, p.Data...)
		}
	}
	return dst, nil
}

func hasBinary(packets []eio.Packet) bool {
	for _, p := range packets {
		if p.Binary {
			return true
		}
	}
	return false
}

// utf16Len is the length JavaScript gives the UTF-8 text b: characters
// outside the Basic Multilingual Plane count twice. Invalid bytes count
// one each, as U+FFFD.
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			n++
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		n++
		if r >= 0x10000 {
			n++
		}
		b = b[size:]
	}
	return n
}

// DecodePayload splits a text polling payload ("<length>:<packet>"...,
// lengths in UTF-16 code units) and hands each packet to fn in order,
// stopping at the first error. A body over maxPayload (if > 0) is refused
// whole with eio.ErrPayloadTooLarge. The body must be valid UTF-8 (the
// caller checks it, as for v4); an empty record is skipped, as Node does.
// Node: engine.io-parser 2.x decodePayload (string data).
func DecodePayload(body []byte, maxPayload int, fn func(eio.Packet) error) error {
	if maxPayload > 0 && len(body) > maxPayload {
		return eio.ErrPayloadTooLarge
	}
	if len(body) == 0 {
		return ErrEmptyPayload
	}
	for len(body) > 0 {
		n, rest, err := readLength(body)
		if err != nil {
			return err
		}
		size, ok := utf16Prefix(rest, n)
		if !ok {
			return ErrInvalidLength
		}
		if size > 0 {
			p, err := DecodeText(rest[:size])
			if err != nil {
				return err
			}
			if err := fn(p); err != nil {
				return err
			}
		}
		body = rest[size:]
	}
	return nil
}

// readLength reads a record's "<digits>:".
func readLength(b []byte) (int, []byte, error) {
	n, i := 0, 0
	for ; i < len(b) && b[i] != ':'; i++ {
		if b[i] < '0' || b[i] > '9' || i >= maxLengthDigits {
			return 0, nil, ErrInvalidLength
		}
		n = n*10 + int(b[i]-'0')
	}
	if i == 0 || i == len(b) {
		return 0, nil, ErrInvalidLength
	}
	return n, b[i+1:], nil
}

// utf16Prefix returns how many bytes of b hold its first n UTF-16 code
// units; false when b is shorter or the n-th unit splits a character.
func utf16Prefix(b []byte, n int) (int, bool) {
	i := 0
	for n > 0 {
		if i >= len(b) {
			return 0, false
		}
		if b[i] < utf8.RuneSelf {
			i++
			n--
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		units := 1
		if r >= 0x10000 {
			units = 2
		}
		if units > n {
			return 0, false
		}
		i += size
		n -= units
	}
	return i, true
}

// DecodeBinaryPayload splits a binary polling payload (an XHR2 client's
// POST, application/octet-stream) and hands each packet to fn in order,
// stopping at the first error. String records are text packets; the caller
// checks that their Data is UTF-8. Node: engine.io-parser 2.x
// decodePayloadAsBinary.
func DecodeBinaryPayload(body []byte, maxPayload int, fn func(eio.Packet) error) error {
	if maxPayload > 0 && len(body) > maxPayload {
		return eio.ErrPayloadTooLarge
	}
	if len(body) == 0 {
		return ErrEmptyPayload
	}
	for len(body) > 0 {
		kind := body[0]
		if kind > 1 {
			return ErrInvalidLength
		}
		n, i := 0, 1
		for ; i < len(body) && body[i] != binaryMarker; i++ {
			if body[i] > 9 || i > maxLengthDigits {
				return ErrInvalidLength
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i == len(body) || n > len(body)-i-1 {
			return ErrInvalidLength
		}
		rec := body[i+1 : i+1+n]
		var p eio.Packet
		var err error
		if kind == 1 {
			p, err = DecodeBinary(rec)
		} else {
			p, err = DecodeText(rec)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		body = body[i+1+n:]
	}
	return nil
}
