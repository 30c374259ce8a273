package value

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// ext0 is notepack.io's extension 0: undefined (one byte), a Date (eight
// bytes), or an ArrayBuffer.
type ext0 struct{ b []byte }

func init() {
	msgpack.RegisterExtDecoder(0, (*ext0)(nil), func(d *msgpack.Decoder, v reflect.Value, n int) error {
		if err := fits(d, n); err != nil {
			return err
		}
		b := make([]byte, n)
		if err := d.ReadFull(b); err != nil {
			return err
		}
		v.Interface().(*ext0).b = b
		return nil
	})
}

// MaxDepth bounds nesting, so a hostile message cannot exhaust the stack.
const MaxDepth = 64

// EncodeMsgpack writes v with enc. Integers take their smallest form, as
// notepack.io writes them, when enc uses compact ints (NewEncoder does).
func EncodeMsgpack(enc *msgpack.Encoder, v any) error {
	switch x := v.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(x)
	case int64:
		return enc.EncodeInt(x)
	case uint64:
		return enc.EncodeUint(x)
	case float64:
		// A JavaScript number that is an integer goes as one, as notepack.
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return enc.EncodeInt(int64(x))
		}
		return enc.EncodeFloat64(x)
	case string:
		return enc.EncodeString(x)
	case []byte:
		return enc.EncodeBytes(x)
	case []any:
		if err := enc.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, e := range x {
			if err := EncodeMsgpack(enc, e); err != nil {
				return err
			}
		}
		return nil
	case *Map:
		if err := enc.EncodeMapLen(len(x.Keys)); err != nil {
			return err
		}
		for i, k := range x.Keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := EncodeMsgpack(enc, x.Values[i]); err != nil {
				return err
			}
		}
		return nil
	case V:
		return EncodeMsgpack(enc, x.Any)
	}
	return fmt.Errorf("value: cannot encode %T", v)
}

// DecodeMsgpack reads one value.
func DecodeMsgpack(dec *msgpack.Decoder) (any, error) { return decodeMsgpack(dec, 0) }

func decodeMsgpack(dec *msgpack.Decoder, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("value: nested deeper than %d", MaxDepth)
	}
	c, err := dec.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		m := &Map{Keys: make([]string, 0, min(n, 64)), Values: make([]any, 0, min(n, 64))}
		for range n {
			k, err := dec.DecodeString()
			if err != nil {
				return nil, fmt.Errorf("value: map key: %w", err)
			}
			v, err := decodeMsgpack(dec, depth+1)
			if err != nil {
				return nil, err
			}
			m.Set(k, v)
		}
		return m, nil
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := dec.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		a := make([]any, 0, min(n, 64))
		for range n {
			v, err := decodeMsgpack(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	case c == msgpcode.Ext8 || c == msgpcode.Ext16 || c == msgpcode.Ext32:
		return decodeExt(dec)
	case c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32:
		// Not DecodeBytes: it allocates the announced length before
		// reading, so a six-byte message could ask for 4 GiB.
		n, err := dec.DecodeBytesLen()
		if err != nil {
			return nil, err
		}
		if err := fits(dec, n); err != nil {
			return nil, err
		}
		b := make([]byte, n)
		return b, dec.ReadFull(b)
	}
	v, err := dec.DecodeInterfaceLoose()
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case int64, uint64, float64, string, []byte, bool, nil:
		if u, ok := x.(uint64); ok && u <= math.MaxInt64 {
			return int64(u), nil
		}
		return x, nil
	case *ext0:
		b := x.b
		switch len(b) {
		case 1: // undefined
			return nil, nil
		case 8: // a Date: milliseconds since the epoch
			return jsDate(time.UnixMilli(int64(binary.BigEndian.Uint64(b)))), nil
		}
		return b, nil
	case time.Time: // @msgpack/msgpack's timestamp
		return jsDate(x), nil
	}
	return nil, fmt.Errorf("value: unexpected msgpack %T", v)
}

// decodeExt reads an ext 8, 16 or 32. notepack.io writes an ArrayBuffer so
// (extension 0), whatever its length: an 8-byte one is not a Date, nor a
// 1-byte one undefined, which notepack writes as fixext 8 and fixext 1.
// @msgpack/msgpack writes a 96-bit timestamp (extension -1) so.
func decodeExt(dec *msgpack.Decoder) (any, error) {
	id, n, err := dec.DecodeExtHeader()
	if err != nil {
		return nil, err
	}
	if err := fits(dec, n); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if err := dec.ReadFull(b); err != nil {
		return nil, err
	}
	switch {
	case id == 0:
		return b, nil
	case id == -1 && n == 12:
		return jsDate(time.Unix(int64(binary.BigEndian.Uint64(b[4:])), int64(binary.BigEndian.Uint32(b)))), nil
	}
	return nil, fmt.Errorf("value: unsupported msgpack extension %d (%d bytes)", id, n)
}

// fits refuses a length prefix longer than what is left to read (when the
// decoder reads from memory, as UnmarshalAny and Unmarshal do), so that a
// hostile message cannot make the decoder allocate what it does not carry.
func fits(dec *msgpack.Decoder, n int) error {
	if r, ok := dec.Buffered().(interface{ Len() int }); ok && n > r.Len() {
		return fmt.Errorf("value: %d bytes announced, %d left", n, r.Len())
	}
	return nil
}

// jsDate is a Date as JSON.stringify writes it.
func jsDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// NewEncoder returns an encoder that writes as the Node adapters do:
// compact integers, and struct fields named by their json tags.
func NewEncoder(buf *bytes.Buffer) *msgpack.Encoder {
	enc := msgpack.NewEncoder(buf)
	enc.UseCompactInts(true)
	enc.SetCustomStructTag("json")
	enc.SetOmitEmpty(false)
	return enc
}

// Marshal encodes a message (a struct with json tags, holding V fields) as
// msgpack.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes a msgpack message into a struct with json tags.
func Unmarshal(data []byte, v any) error {
	dec := msgpack.NewDecoder(bytes.NewReader(data))
	dec.SetCustomStructTag("json")
	return dec.Decode(v)
}

// MarshalAny encodes one value as msgpack.
func MarshalAny(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := EncodeMsgpack(NewEncoder(&buf), v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalAny decodes one msgpack value; trailing bytes are an error.
func UnmarshalAny(data []byte) (any, error) {
	r := bytes.NewReader(data)
	v, err := DecodeMsgpack(msgpack.NewDecoder(r))
	if err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("value: %d bytes after the msgpack value", r.Len())
	}
	return v, nil
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (v V) EncodeMsgpack(enc *msgpack.Encoder) error { return EncodeMsgpack(enc, v.Any) }

// DecodeMsgpack implements msgpack.CustomDecoder.
func (v *V) DecodeMsgpack(dec *msgpack.Decoder) error {
	x, err := DecodeMsgpack(dec)
	v.Any = x
	return err
}
