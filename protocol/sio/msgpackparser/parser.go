package msgpackparser

import (
	"errors"

	"github.com/actorio/actorio/protocol/sio"
	"github.com/vmihailenco/msgpack/v5"
)

// Errors, matching socket.io-msgpack-parser's checkPacket messages.
var (
	ErrInvalidType      = errors.New("msgpackparser: invalid packet type")
	ErrInvalidNamespace = errors.New("msgpackparser: invalid namespace")
	ErrInvalidPayload   = errors.New("msgpackparser: invalid payload")
	ErrInvalidID        = errors.New("msgpackparser: invalid packet id")
	ErrTextMessage      = errors.New("msgpackparser: text message where a msgpack packet was expected")
)

// Parser is the msgpack parser.
var Parser sio.Parser = parser{}

type parser struct{}

func (parser) Name() string { return "msgpack" }

// Encode writes the packet map with keys in the order type, data, nsp, id;
// absent data and id are left out, as JSON.stringify would leave undefined out.
func (parser) Encode(p *sio.Packet) []sio.Message {
	return []sio.Message{{Data: Append(nil, p), Binary: true}}
}

// appendWriter lets the msgpack encoder append to a caller's slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *appendWriter) WriteByte(c byte) error      { w.b = append(w.b, c); return nil }
func (w *appendWriter) WriteString(s string) (int, error) {
	w.b = append(w.b, s...)
	return len(s), nil
}

// Append appends p's msgpack map to dst.
func Append(dst []byte, p *sio.Packet) []byte {
	buf := &appendWriter{b: dst}
	enc := msgpack.GetEncoder() // pooled: one Encoder per packet would allocate
	enc.Reset(buf)
	defer msgpack.PutEncoder(enc)
	n := 2
	if p.Data != nil {
		n++
	}
	if p.HasID {
		n++
	}
	t := p.Type
	if t == sio.BinaryEvent {
		t = sio.Event
	} else if t == sio.BinaryAck {
		t = sio.Ack
	}
	// Writes to an appendWriter cannot fail.
	_ = enc.EncodeMapLen(n)
	_ = enc.EncodeString("type")
	_ = enc.EncodeUint(uint64(t))
	if p.Data != nil {
		_ = enc.EncodeString("data")
		buf.b = append(buf.b, p.Data...)
	}
	_ = enc.EncodeString("nsp")
	_ = enc.EncodeString(p.Nsp())
	if p.HasID {
		_ = enc.EncodeString("id")
		_ = enc.EncodeUint(p.ID)
	}
	return buf.b
}

func (parser) NewDecoder(int) sio.PacketDecoder { return decoder{} }

type decoder struct{}

func (decoder) Add(msg []byte, binary bool) (sio.Packet, bool, error) {
	if !binary {
		return sio.Packet{}, false, ErrTextMessage
	}
	p, err := Decode(msg)
	return p, err == nil, err
}

// Whole (sio.WholeDecoder): every msgpack packet is whole.
func (decoder) Whole(msg []byte, binary bool) (sio.Packet, bool) {
	if !binary {
		return sio.Packet{}, false
	}
	p, err := Decode(msg)
	return p, err == nil
}

// Decode decodes and validates one packet. Data aliases b.
func Decode(b []byte) (sio.Packet, error) {
	end, k, n, err := value(b, 0, 0)
	if err != nil || end != len(b) || k != kindMap {
		return sio.Packet{}, ErrInvalidMsgpack
	}
	var p sio.Packet
	var typeRaw, nspRaw, idRaw []byte
	var dataKind kind
	i := headerLen(b[0])
	for range n {
		keyEnd, keyKind, _, _ := value(b, i, 1)
		valEnd, valKind, _, _ := value(b, keyEnd, 1)
		if keyKind == kindString {
			var key string
			if msgpack.Unmarshal(b[i:keyEnd], &key) != nil {
				return sio.Packet{}, ErrInvalidMsgpack
			}
			raw := b[keyEnd:valEnd]
			if valKind == kindUndefined {
				raw = nil
			}
			switch key {
			case "type":
				typeRaw = raw
			case "nsp":
				nspRaw = raw
			case "id":
				idRaw = raw
			case "data":
				p.Data, dataKind = raw, valKind
			}
		}
		i = valEnd
	}
	var t int64
	if typeRaw == nil || !isInt(typeRaw) || msgpack.Unmarshal(typeRaw, &t) != nil || t < int64(sio.Connect) || t > int64(sio.ConnectError) {
		return sio.Packet{}, ErrInvalidType
	}
	p.Type = sio.PacketType(t)
	if nspRaw == nil || msgpack.Unmarshal(nspRaw, &p.Namespace) != nil || !isString(nspRaw) {
		return sio.Packet{}, ErrInvalidNamespace
	}
	if err := validateData(&p, dataKind); err != nil {
		return sio.Packet{}, err
	}
	if idRaw != nil {
		var id int64
		if !isInt(idRaw) || msgpack.Unmarshal(idRaw, &id) != nil || id < 0 || id > sio.MaxAckID {
			return sio.Packet{}, ErrInvalidID
		}
		p.ID, p.HasID = uint64(id), true
	}
	return p, nil
}

func isInt(raw []byte) bool {
	_, k, _, err := value(raw, 0, 0)
	return err == nil && k == kindInt
}

func isString(raw []byte) bool {
	_, k, _, err := value(raw, 0, 0)
	return err == nil && k == kindString
}

// validateData applies socket.io-msgpack-parser's isDataValid, and, as the
// default parser here does, requires an event name that is a string and
// not reserved.
func validateData(p *sio.Packet, k kind) error {
	switch p.Type {
	case sio.Connect:
		if p.Data != nil && k != kindMap {
			return ErrInvalidPayload
		}
	case sio.Disconnect:
		if p.Data != nil {
			return ErrInvalidPayload
		}
	case sio.ConnectError:
		if k != kindMap && k != kindString {
			return ErrInvalidPayload
		}
	case sio.Event:
		name, err := EventName(p.Data)
		if err != nil {
			return err
		}
		if sio.IsReservedEvent(name) {
			return sio.ErrReservedEvent
		}
	case sio.Ack:
		if k != kindArray {
			return ErrInvalidPayload
		}
	}
	return nil
}

// SplitArray returns the elements of a msgpack array as raw values that
// alias data, as plain byte slices (what Args holds).
func SplitArray(data []byte) ([][]byte, error) {
	end, k, n, err := value(data, 0, 0)
	if err != nil || k != kindArray || end != len(data) {
		return nil, ErrInvalidPayload
	}
	elems := make([][]byte, 0, n)
	i := headerLen(data[0])
	for range n {
		next, _, _, _ := value(data, i, 1)
		elems = append(elems, data[i:next])
		i = next
	}
	return elems, nil
}

// EventName returns the first element of an event's data, which must be a
// string.
func EventName(data []byte) (string, error) {
	if len(data) == 0 {
		return "", ErrInvalidPayload
	}
	end, k, n, err := value(data, 0, 0)
	if err != nil || k != kindArray || n == 0 || end != len(data) {
		return "", ErrInvalidPayload
	}
	i := headerLen(data[0])
	next, ek, _, _ := value(data, i, 1)
	var name string
	if ek != kindString || msgpack.Unmarshal(data[i:next], &name) != nil {
		return "", ErrInvalidPayload
	}
	return name, nil
}
