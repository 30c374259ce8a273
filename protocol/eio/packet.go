package eio

import (
	"encoding/base64"
	"errors"
)

// PacketType is the Engine.IO packet type, written as one ASCII digit.
type PacketType byte

// The Engine.IO v4 packet types.
const (
	Open PacketType = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Valid reports whether t is one of the seven Engine.IO packet types.
func (t PacketType) Valid() bool { return t <= Noop }

// Sentinel errors. Callers match them with errors.Is.
var (
	ErrEmptyPacket     = errors.New("eio: empty packet")
	ErrUnknownType     = errors.New("eio: invalid packet type")
	ErrInvalidBase64   = errors.New("eio: invalid base64 in binary packet")
	ErrPayloadTooLarge = errors.New("eio: payload too large")
	ErrBinaryNotData   = errors.New("eio: only message packets can be binary")
)

// Packet is one Engine.IO packet. Data aliases the buffer it was decoded
// from, except for base64-decoded binary packets, which own a new slice.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool // a binary message (Type is Message)
}

// DecodeText decodes a text packet: a WebSocket text frame, or one record of
// a polling payload, where a leading 'b' means a base64 binary message.
// Data aliases b unless the packet is base64.
func DecodeText(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, ErrEmptyPacket
	}
	if b[0] == 'b' {
		data, err := decodeBase64(b[1:])
		if err != nil {
			return Packet{}, err
		}
		return Packet{Type: Message, Data: data, Binary: true}, nil
	}
	t := PacketType(b[0] - '0')
	if b[0] < '0' || !t.Valid() {
		return Packet{}, ErrUnknownType
	}
	return Packet{Type: t, Data: b[1:]}, nil
}

// DecodeBinary decodes a WebSocket binary frame: always a binary message
// whose Data is the whole frame.
func DecodeBinary(b []byte) Packet {
	return Packet{Type: Message, Data: b, Binary: true}
}

// decodeBase64 accepts standard base64 with or without padding, as Node's
// Buffer.from(s, "base64") does for what engine.io-client sends.
func decodeBase64(s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil {
		return nil, ErrInvalidBase64
	}
	return out[:n], nil
}

// AppendText appends p as a text packet, the form of a WebSocket text frame.
// A binary message cannot be a text frame: use AppendPolling (base64) or
// send Data as a binary frame.
func AppendText(dst []byte, p Packet) ([]byte, error) {
	if p.Binary {
		return dst, ErrBinaryNotData
	}
	if !p.Type.Valid() {
		return dst, ErrUnknownType
	}
	dst = append(dst, byte('0'+p.Type))
	return append(dst, p.Data...), nil
}

// AppendPolling appends p in its polling payload form: binary messages as
// 'b' followed by base64, everything else as text.
func AppendPolling(dst []byte, p Packet) ([]byte, error) {
	if !p.Type.Valid() {
		return dst, ErrUnknownType
	}
	if p.Binary {
		if p.Type != Message {
			return dst, ErrBinaryNotData
		}
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data), nil
	}
	dst = append(dst, byte('0'+p.Type))
	return append(dst, p.Data...), nil
}

// AppendMessage appends a text message packet ('4' + data), the hot path of
// every Socket.IO packet.
func AppendMessage(dst, data []byte) []byte {
	dst = append(dst, '0'+byte(Message))
	return append(dst, data...)
}
