package eio3

import (
	"encoding/base64"
	"errors"

	"github.com/actorio/actorio/protocol/eio"
)

// Sentinel errors, in addition to package eio's.
var (
	ErrInvalidLength = errors.New("eio3: invalid payload record length")
	ErrEmptyPayload  = errors.New("eio3: empty payload")
)

// DecodeText decodes a text packet: a WebSocket text frame, or one record
// of a text payload. 'b' starts a base64 packet: its type digit, then
// base64 data (always a binary message: only messages carry binary).
// Node: engine.io-parser 2.x decodePacket (string data).
func DecodeText(b []byte) (eio.Packet, error) {
	if len(b) > 0 && b[0] == 'b' {
		if len(b) < 2 {
			return eio.Packet{}, eio.ErrUnknownType
		}
		t := eio.PacketType(b[1] - '0')
		if b[1] < '0' || !t.Valid() {
			return eio.Packet{}, eio.ErrUnknownType
		}
		if t != eio.Message {
			return eio.Packet{}, eio.ErrBinaryNotData
		}
		data, err := decodeBase64(b[2:])
		if err != nil {
			return eio.Packet{}, err
		}
		return eio.Packet{Type: t, Data: data, Binary: true}, nil
	}
	return eio.DecodeText(b)
}

// DecodeBinary decodes a binary packet: a WebSocket binary frame, or a
// binary record of a binary payload: the type byte, then the data.
// Node: engine.io-parser 2.x decodePacket (Buffer data).
func DecodeBinary(b []byte) (eio.Packet, error) {
	if len(b) == 0 {
		return eio.Packet{}, eio.ErrEmptyPacket
	}
	t := eio.PacketType(b[0])
	if !t.Valid() {
		return eio.Packet{}, eio.ErrUnknownType
	}
	if t != eio.Message {
		return eio.Packet{}, eio.ErrBinaryNotData
	}
	return eio.Packet{Type: t, Data: b[1:], Binary: true}, nil
}

// AppendBinary appends a binary message in its binary form: the type byte,
// then the data (a WebSocket binary frame's payload). Node: engine.io-parser
// 2.x encodePacket with supportsBinary.
func AppendBinary(dst []byte, p eio.Packet) []byte {
	dst = append(dst, byte(p.Type))
	return append(dst, p.Data...)
}

// AppendText appends p as text: a binary message as 'b', its type digit
// and base64 (for a client that asked for base64, "b64"), anything else as
// v4 writes it. Node: engine.io-parser 2.x encodePacket (encodeBase64Packet).
func AppendText(dst []byte, p eio.Packet) ([]byte, error) {
	if !p.Type.Valid() {
		return dst, eio.ErrUnknownType
	}
	if p.Binary {
		if p.Type != eio.Message {
			return dst, eio.ErrBinaryNotData
		}
		dst = append(dst, 'b', '0'+byte(p.Type))
		return base64.StdEncoding.AppendEncode(dst, p.Data), nil
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...), nil
}

// decodeBase64 accepts standard base64 with or without padding, as Node's
// Buffer.from(s, "base64").
func decodeBase64(s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil {
		return nil, eio.ErrInvalidBase64
	}
	return out[:n], nil
}
