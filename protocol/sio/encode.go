package sio

import (
	"encoding/json"
	"strconv"

	"github.com/actorio/actorio/protocol/internal/jsonw"
)

// AppendPacket appends the text part of p as the default parser writes it:
// type, attachment count, namespace, ack id, data. A packet with attachments
// is written as BINARY_EVENT or BINARY_ACK; its attachments follow as
// separate binary messages (p.Attachments, in order).
func AppendPacket(dst []byte, p *Packet) []byte {
	t := p.Type
	switch {
	case len(p.Attachments) > 0 && (t == Event || t == BinaryEvent):
		t = BinaryEvent
	case len(p.Attachments) > 0 && (t == Ack || t == BinaryAck):
		t = BinaryAck
	case t == BinaryEvent:
		t = Event
	case t == BinaryAck:
		t = Ack
	}
	dst = append(dst, '0'+byte(t))
	if t == BinaryEvent || t == BinaryAck {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != DefaultNamespace {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// AppendEvent appends a whole EVENT packet without ack id and without
// attachments: the form a broadcast encodes once for every recipient.
// args are raw JSON values.
func AppendEvent(dst []byte, nsp, name string, args ...json.RawMessage) []byte {
	dst = append(dst, '0'+byte(Event))
	if nsp != "" && nsp != DefaultNamespace {
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	return AppendEventData(dst, name, args...)
}

// AppendEventData appends an event's payload: ["name",arg,...].
func AppendEventData(dst []byte, name string, args ...json.RawMessage) []byte {
	dst = append(dst, '[')
	dst = jsonw.AppendString(dst, name)
	for _, a := range args {
		dst = append(dst, ',')
		dst = append(dst, a...)
	}
	return append(dst, ']')
}

// EventLen is an upper bound of AppendEvent's output length, so a caller
// can allocate once, with room before it for framing.
func EventLen(nsp, name string, args ...json.RawMessage) int {
	n := 1 + len(nsp) + 1 + 2 + 6*len(name) + 2
	for _, a := range args {
		n += 1 + len(a)
	}
	return n
}

// EncodeEvent returns a broadcast EVENT packet in one allocation.
func EncodeEvent(nsp, name string, args ...json.RawMessage) []byte {
	return AppendEvent(make([]byte, 0, EventLen(nsp, name, args...)), nsp, name, args...)
}
