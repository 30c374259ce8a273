package cluster

import (
	"errors"
	"fmt"
	"math"

	"github.com/actorio/actorio/internal/value"
)

// MessageType is the type of a ClusterMessage or ClusterResponse, numbered
// as Node's MessageType enum.
type MessageType int

const (
	InitialHeartbeat MessageType = iota + 1
	Heartbeat
	Broadcast
	SocketsJoin
	SocketsLeave
	DisconnectSockets
	FetchSockets
	FetchSocketsResponse
	ServerSideEmit
	ServerSideEmitResponse
	BroadcastClientCount
	BroadcastAck
	AdapterClose
)

// MayContainBinary reports whether messages of type t may carry binary: the
// Node adapters send those as msgpack when they do.
func (t MessageType) MayContainBinary() bool {
	switch t {
	case Broadcast, BroadcastAck, FetchSocketsResponse, ServerSideEmit, ServerSideEmitResponse:
		return true
	}
	return false
}

// IsResponse reports whether t is a ClusterResponse's type.
func (t MessageType) IsResponse() bool {
	switch t {
	case FetchSocketsResponse, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck:
		return true
	}
	return false
}

// Message is a ClusterMessage or a ClusterResponse. Data is the message's
// data object in the value model, nil for the types that have none
// (heartbeats, ADAPTER_CLOSE).
type Message struct {
	UID  string
	Nsp  string
	Type MessageType
	Data *value.Map
}

// ErrInvalidMessage wraps every reason a message is refused.
var ErrInvalidMessage = errors.New("cluster: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// HasBinary reports whether the message holds binary, as Node's hasBinary
// on its data.
func (m *Message) HasBinary() bool { return m.Data != nil && value.HasBinary(m.Data) }

// Value is the message as the Node adapters hold it before encoding:
// {type, data, uid, nsp}, in the order Node's publish sets the keys.
func (m *Message) Value() *value.Map {
	v := &value.Map{}
	v.Set("type", int64(m.Type))
	if m.Data != nil {
		v.Set("data", m.Data)
	}
	v.Set("uid", m.UID)
	v.Set("nsp", m.Nsp)
	return v
}

// JSON is JSON.stringify(message); binary (there should be none: such a
// message goes as msgpack) is written as Node's Buffer JSON.
func (m *Message) JSON() ([]byte, error) {
	b, _, err := value.AppendJSON(nil, m.Value(), nil, false)
	return b, err
}

// Msgpack is the message as notepack.io and @msgpack/msgpack encode it.
func (m *Message) Msgpack() ([]byte, error) { return value.MarshalAny(m.Value()) }

// Decode reads a message as the sharded adapter receives it: JSON when the
// first byte is '{', msgpack otherwise.
func Decode(b []byte) (*Message, error) {
	v, err := decodeValue(b)
	if err != nil {
		return nil, err
	}
	return FromValue(v)
}

// DecodeMsgpack reads a msgpack message, as the streams adapter's Pub/Sub
// channels carry them.
func DecodeMsgpack(b []byte) (*Message, error) {
	v, err := value.UnmarshalAny(b)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return FromValue(v)
}

// DecodeData reads a data object alone, as the streams adapter stores it
// in a stream entry: JSON when it starts with '{', msgpack otherwise (the
// caller has undone the base64).
func DecodeData(b []byte) (*value.Map, error) {
	v, err := decodeValue(b)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*value.Map)
	if !ok {
		return nil, invalid("data is %T, not an object", v)
	}
	return d, nil
}

func decodeValue(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, invalid("empty")
	}
	var v any
	var err error
	if b[0] == '{' {
		v, err = value.ParseJSON(b, nil, true)
	} else {
		v, err = value.UnmarshalAny(b)
	}
	if err != nil {
		return nil, invalid("%v", err)
	}
	return v, nil
}

// FromValue reads a decoded {uid, nsp, type, data} object.
func FromValue(v any) (*Message, error) {
	o, ok := v.(*value.Map)
	if !ok {
		return nil, invalid("message is %T, not an object", v)
	}
	t, ok := integer(o, "type")
	if !ok || t < int64(InitialHeartbeat) || t > int64(AdapterClose) {
		return nil, invalid("no known type")
	}
	m := &Message{Type: MessageType(t)}
	m.UID, _ = str(o, "uid")
	m.Nsp, _ = str(o, "nsp")
	switch d, _ := o.Get("data"); d := d.(type) {
	case nil:
	case *value.Map:
		m.Data = d
	default:
		return nil, invalid("data is %T, not an object", d)
	}
	return m, nil
}

// get is Map.Get that reads nothing from no object.
func get(o *value.Map, key string) (any, bool) {
	if o == nil {
		return nil, false
	}
	return o.Get(key)
}

// str returns a string field.
func str(o *value.Map, key string) (string, bool) {
	if o == nil {
		return "", false
	}
	v, _ := o.Get(key)
	s, ok := v.(string)
	return s, ok
}

// integer returns a number field that is an integer, whichever form the
// encoder gave it.
func integer(o *value.Map, key string) (int64, bool) {
	if o == nil {
		return 0, false
	}
	v, _ := o.Get(key)
	switch n := v.(type) {
	case int64:
		return n, true
	case uint64:
		return 0, false // beyond anything a count or a type can be
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// stringList returns an array of strings; a missing field is an empty one.
func stringList(o *value.Map, key string) ([]string, error) {
	v, _ := get(o, key)
	if v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, invalid("%s is %T, not an array", key, v)
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, invalid("%s[%d] is %T, not a string", key, i, e)
		}
		out[i] = s
	}
	return out, nil
}

func stringValues(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func object(keyvals ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i+1 < len(keyvals); i += 2 {
		m.Set(keyvals[i].(string), keyvals[i+1])
	}
	return m
}
