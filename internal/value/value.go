// Package value is Actorio's ordered value model: a Socket.IO argument, or
// what Node's adapters put on the wire (notepack.io or @msgpack/msgpack
// msgpack, or JSON.stringify), read into Go without losing anything a
// Socket.IO client would see: key order, binary, integers versus floats.
// Adapters convert between it and a server's packet format (JSON with
// placeholders, or msgpack); the root package's Value wraps it for users.
//
// A value is one of: nil, bool, int64, uint64 (above MaxInt64), float64,
// string, []byte, []any, *Map.
package value

// Map is an object with its keys in order, as JavaScript keeps them.
type Map struct {
	Keys   []string
	Values []any
}

// Get returns the value of key, and whether it is there.
func (m *Map) Get(key string) (any, bool) {
	for i, k := range m.Keys {
		if k == key {
			return m.Values[i], true
		}
	}
	return nil, false
}

// Set sets key, appending it if new.
func (m *Map) Set(key string, v any) {
	for i, k := range m.Keys {
		if k == key {
			m.Values[i] = v
			return
		}
	}
	m.Keys = append(m.Keys, key)
	m.Values = append(m.Values, v)
}

// HasBinary reports whether v holds binary anywhere, as Node's hasBinary:
// the adapters send such a message as msgpack, others as JSON.
func HasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case *Map:
		for _, e := range x.Values {
			if HasBinary(e) {
				return true
			}
		}
	case V:
		return HasBinary(x.Any)
	}
	return false
}

// V wraps a value inside a message struct: it encodes itself as msgpack
// and JSON, and decodes from both keeping order and binary.
type V struct{ Any any }
