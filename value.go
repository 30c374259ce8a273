package actorio

import (
	"iter"
	"math"
	"slices"

	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// Value is a received value kept exactly as the client sent it, to build
// new values from received ones as Node code does (Node: the plain value a
// handler receives, as in ack({response: [...args]})). Objects keep their
// keys in the order received (Map), binary stays binary with both parsers
// (attachments of the default parser, msgpack bin), numbers are JavaScript
// numbers. Decode an argument into one with Args.Decode(i, &v), or the
// auth payload with Handshake.DecodeAuth(&v).
//
// Sent (an argument of Emit or Ack.Send, or nested in a map, slice or
// struct that is), a Value encodes back as received: same key order,
// binary as binary, with either parser. The zero Value is null.
type Value struct {
	x any // internal/value's model: nil, bool, int64, uint64, float64, string, []byte, []any, *value.Map
}

// Kind is a Value's JavaScript type.
type Kind uint8

// The kinds of Value (Node: typeof, with Array.isArray, Buffer.isBuffer and
// null told apart).
const (
	KindNull   Kind = iota // null (msgpack's undefined too)
	KindBool               // boolean
	KindNumber             // number
	KindString             // string
	KindBinary             // Buffer or ArrayBuffer
	KindArray              // Array
	KindObject             // any other object: a Map
)

var kindNames = [...]string{"null", "boolean", "number", "string", "binary", "array", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Kind returns v's type.
func (v Value) Kind() Kind {
	switch v.x.(type) {
	case bool:
		return KindBool
	case int64, uint64, float64:
		return KindNumber
	case string:
		return KindString
	case []byte:
		return KindBinary
	case []any:
		return KindArray
	case *value.Map:
		return KindObject
	}
	return KindNull
}

// IsNull reports whether v is null (Node: v === null).
func (v Value) IsNull() bool { return v.x == nil }

// Bool returns a boolean's value (Node: v === true); false for any other
// kind.
func (v Value) Bool() bool { b, _ := v.x.(bool); return b }

// Float returns a number as JavaScript holds it, a float64 (Node: a
// number); 0 for any other kind.
func (v Value) Float() float64 {
	switch n := v.x.(type) {
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// Int returns a number that is an integer fitting an int64 (Node:
// Number.isInteger(v)), and false for any other value.
func (v Value) Int() (int64, bool) {
	switch n := v.x.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// String returns a string's value (Node: a string). Any other kind is
// written as JSON
// (binary as a base64 string, as encoding/json writes []byte), so that fmt
// prints a Value readably.
func (v Value) String() string {
	if s, ok := v.x.(string); ok {
		return s
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return "<invalid Value: " + err.Error() + ">"
	}
	return string(b)
}

// Bytes returns binary's bytes (Node: a Buffer, or an ArrayBuffer's
// contents); nil for any other kind. They are the received bytes, not a
// copy.
func (v Value) Bytes() []byte { b, _ := v.x.([]byte); return b }

// Array returns an array's elements (Node: Array.isArray(v)); nil for any
// other kind.
func (v Value) Array() []Value {
	a, ok := v.x.([]any)
	if !ok {
		return nil
	}
	out := make([]Value, len(a))
	for i, e := range a {
		out[i] = Value{e}
	}
	return out
}

// Map returns an object's keys and values in their order (Node: a plain
// object); an empty Map for any other kind.
func (v Value) Map() Map { m, _ := v.x.(*value.Map); return Map{m} }

// AppendJSON writes v into a packet of the default parser, binary as
// attachments (sio.JSONAppender): how Emit and Ack.Send write a Value,
// wherever it is nested.
func (v Value) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	return value.AppendJSON(dst, v.x, atts, true)
}

// AppendMsgpack writes v as socket.io-msgpack-parser's notepack.io would,
// binary as bin (msgpackparser.Appender): how Emit and Ack.Send write a
// Value with ParserMsgpack, wherever it is nested.
func (v Value) AppendMsgpack(dst []byte) ([]byte, error) {
	b, err := value.MarshalAny(v.x)
	return append(dst, b...), err
}

// MarshalJSON writes v as encoding/json writes a Go value, its keys in
// order and binary as base64 strings: for a log line or a user's own JSON.
// Emit does not use it.
func (v Value) MarshalJSON() ([]byte, error) {
	data, atts, err := value.AppendJSON(nil, v.x, nil, true)
	if err != nil {
		return nil, err
	}
	return sio.ResolvePlaceholders(data, atts)
}

// UnmarshalJSON reads JSON keeping key order; a string stays a string (a
// Value inside a struct that Args.Decode fills sees binary as the base64
// string encoding/json reads: decode the whole argument into a Value to
// keep binary).
func (v *Value) UnmarshalJSON(data []byte) error {
	x, err := value.ParseJSON(data, nil, false)
	if err != nil {
		return err
	}
	v.x = x
	return nil
}

// Map is an object with its keys in the order received (Node: a plain
// object, whose string keys keep their insertion order; Object.keys).
// Sent, it encodes as an object in that order. The zero Map is empty.
type Map struct{ m *value.Map }

// Len returns the number of keys (Node: Object.keys(o).length).
func (m Map) Len() int {
	if m.m == nil {
		return 0
	}
	return len(m.m.Keys)
}

// Keys returns the keys in order (Node: Object.keys(o)).
func (m Map) Keys() []string {
	if m.m == nil {
		return nil
	}
	return slices.Clone(m.m.Keys)
}

// Get returns the value of key, null when absent (Node: o[key]).
func (m Map) Get(key string) Value {
	if m.m == nil {
		return Value{}
	}
	x, _ := m.m.Get(key)
	return Value{x}
}

// Has reports whether key is present (Node: Object.hasOwn(o, key)).
func (m Map) Has(key string) bool {
	if m.m == nil {
		return false
	}
	_, ok := m.m.Get(key)
	return ok
}

// All yields the keys and values in order (Node: Object.entries(o)).
func (m Map) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		if m.m == nil {
			return
		}
		for i, k := range m.m.Keys {
			if !yield(k, Value{m.m.Values[i]}) {
				return
			}
		}
	}
}

// object is m as a Value: an empty object for the zero Map.
func (m Map) object() Value {
	if m.m == nil {
		return Value{&value.Map{}}
	}
	return Value{m.m}
}

// AppendJSON writes m as Value.AppendJSON does.
func (m Map) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	return m.object().AppendJSON(dst, atts)
}

// AppendMsgpack writes m as Value.AppendMsgpack does.
func (m Map) AppendMsgpack(dst []byte) ([]byte, error) { return m.object().AppendMsgpack(dst) }

// MarshalJSON writes m as Value.MarshalJSON does.
func (m Map) MarshalJSON() ([]byte, error) { return m.object().MarshalJSON() }

// decodeValue reads one received value in the codec's format into the
// value model.
func decodeValue(c codec, raw []byte, atts [][]byte) (Value, error) {
	var x any
	var err error
	if _, ok := c.(msgpackCodec); ok {
		x, err = value.UnmarshalAny(raw)
	} else {
		if atts == nil {
			atts = [][]byte{} // placeholders resolve (the decoder checked them)
		}
		x, err = value.ParseJSON(raw, atts, false)
	}
	if err != nil {
		return Value{}, err
	}
	return Value{x}, nil
}
