package redis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
)

// The messages of npm @socket.io/redis-adapter 8.3 (lib/index.ts), field
// for field and in its key order, so that a Node server reads ours and we
// read theirs. A broadcast is msgpack [uid, packet, opts]; requests and
// responses are JSON, except BROADCAST requests and BROADCAST_ACK
// responses, which are msgpack (they carry packets and answers with binary).

// requestType is Node's RequestType.
type requestType int

const (
	typeSockets              requestType = 0
	typeAllRooms             requestType = 1
	typeRemoteJoin           requestType = 2
	typeRemoteLeave          requestType = 3
	typeRemoteDisconnect     requestType = 4
	typeRemoteFetch          requestType = 5
	typeServerSideEmit       requestType = 6
	typeBroadcast            requestType = 7
	typeBroadcastClientCount requestType = 8
	typeBroadcastAck         requestType = 9
)

func (t requestType) String() string {
	names := [...]string{"SOCKETS", "ALL_ROOMS", "REMOTE_JOIN", "REMOTE_LEAVE", "REMOTE_DISCONNECT",
		"REMOTE_FETCH", "SERVER_SIDE_EMIT", "BROADCAST", "BROADCAST_CLIENT_COUNT", "BROADCAST_ACK"}
	if t >= 0 && int(t) < len(names) {
		return names[t]
	}
	return "type " + strconv.Itoa(int(t))
}

// Errors of the decoders: what another server sent cannot be read.
var (
	errEmpty     = errors.New("adapter/redis: empty message")
	errMalformed = errors.New("adapter/redis: malformed message")
)

// requestOpts is the opts of a JSON request (no flags, as Node sends them).
type requestOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

// broadcastOpts is the opts of a broadcast: Node's BroadcastFlags object,
// with only the flags that are set.
type broadcastOpts struct {
	Rooms  []string  `json:"rooms"`
	Except []string  `json:"except"`
	Flags  wireFlags `json:"flags"`
}

type wireFlags struct {
	Volatile bool  `json:"volatile,omitempty"`
	Compress *bool `json:"compress,omitempty"` // only false is sent: absent means compressed
	Timeout  int64 `json:"timeout,omitempty"`
}

func newRequestOpts(o adapter.BroadcastOptions) requestOpts {
	return requestOpts{Rooms: uniq(o.Rooms), Except: uniq(o.Except)}
}

func newBroadcastOpts(o adapter.BroadcastOptions) broadcastOpts {
	b := broadcastOpts{Rooms: uniq(o.Rooms), Except: uniq(o.Except)}
	b.Flags.Volatile = o.Flags.Volatile
	if !o.Flags.Compress {
		off := false
		b.Flags.Compress = &off
	}
	b.Flags.Timeout = o.Flags.TimeoutMillis
	return b
}

// uniq is [...new Set(list)]: order kept, duplicates dropped, never nil
// (Node sends [] rather than null).
func uniq(list []string) []string {
	out := make([]string, 0, len(list))
	seen := make(map[string]struct{}, len(list))
	for _, s := range list {
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}

// Requests, each as Node's JSON.stringify writes it.
type (
	fetchRequest struct {
		UID       string      `json:"uid"`
		RequestID string      `json:"requestId"`
		Type      requestType `json:"type"`
		Opts      requestOpts `json:"opts"`
	}
	allRoomsRequest struct {
		UID       string      `json:"uid"`
		RequestID string      `json:"requestId"`
		Type      requestType `json:"type"`
	}
	roomsRequest struct { // REMOTE_JOIN and REMOTE_LEAVE
		UID   string      `json:"uid"`
		Type  requestType `json:"type"`
		Opts  requestOpts `json:"opts"`
		Rooms []string    `json:"rooms"`
	}
	disconnectRequest struct {
		UID   string      `json:"uid"`
		Type  requestType `json:"type"`
		Opts  requestOpts `json:"opts"`
		Close bool        `json:"close"`
	}
	serverSideEmitRequest struct {
		UID       string      `json:"uid"`
		RequestID string      `json:"requestId,omitempty"` // only with an ack
		Type      requestType `json:"type"`
		Data      value.V     `json:"data"`
	}
	// broadcastRequest is msgpack.
	broadcastRequest struct {
		UID       string        `json:"uid"`
		RequestID string        `json:"requestId"`
		Type      requestType   `json:"type"`
		Packet    value.Packet  `json:"packet"`
		Opts      broadcastOpts `json:"opts"`
	}
)

// Responses.
type (
	socketsResponse struct {
		RequestID string   `json:"requestId"`
		Sockets   []string `json:"sockets"`
	}
	allRoomsResponse struct {
		RequestID string   `json:"requestId"`
		Rooms     []string `json:"rooms"`
	}
	fetchResponse struct {
		RequestID string          `json:"requestId"`
		Sockets   []fetchedSocket `json:"sockets"`
	}
	fetchedSocket struct {
		ID        string          `json:"id"`
		Handshake json.RawMessage `json:"handshake"`
		Rooms     []string        `json:"rooms"`
		Data      json.RawMessage `json:"data,omitempty"`
	}
	doneResponse struct { // the old sid form of REMOTE_JOIN, LEAVE and DISCONNECT
		RequestID string `json:"requestId"`
	}
	serverSideEmitResponse struct {
		Type      requestType `json:"type"`
		RequestID string      `json:"requestId"`
		Data      *value.V    `json:"data,omitempty"` // absent: the handler acked with nothing
	}
	clientCountResponse struct {
		Type        requestType `json:"type"`
		RequestID   string      `json:"requestId"`
		ClientCount int         `json:"clientCount"`
	}
	// ackResponse is msgpack.
	ackResponse struct {
		Type      requestType `json:"type"`
		RequestID string      `json:"requestId"`
		Packet    *value.V    `json:"packet,omitempty"`
	}
)

// encodeJSON writes a message as JSON.stringify does (no HTML escaping).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// encodeBroadcast writes a broadcast: msgpack [uid, packet, opts].
func encodeBroadcast(uid string, p value.Packet, opts adapter.BroadcastOptions) ([]byte, error) {
	return value.Marshal([]any{uid, p, newBroadcastOpts(opts)})
}

// broadcastMessage is a decoded broadcast.
type broadcastMessage struct {
	uid    string
	packet value.Packet
	opts   adapter.BroadcastOptions
}

// decodeBroadcast reads a broadcast, from a server or an emitter.
func decodeBroadcast(b []byte) (broadcastMessage, error) {
	var m broadcastMessage
	v, err := value.UnmarshalAny(b)
	if err != nil {
		return m, fmt.Errorf("%w: %w", errMalformed, err)
	}
	a, ok := v.([]any)
	if !ok || len(a) < 3 {
		return m, fmt.Errorf("%w: broadcast is %s, want [uid, packet, opts]", errMalformed, kind(v))
	}
	if m.uid, err = toString(a[0], "uid"); err != nil {
		return m, err
	}
	if m.packet, err = toPacket(a[1]); err != nil {
		return m, err
	}
	if m.opts, err = toOpts(a[2]); err != nil {
		return m, err
	}
	return m, nil
}

// message is a decoded request or response: the union of their fields.
type message struct {
	uid       string
	requestID string
	typ       requestType
	hasType   bool
	rooms     []string
	hasRooms  bool
	opts      *adapter.BroadcastOptions
	sid, room string
	close     bool
	data      any // SERVER_SIDE_EMIT: the arguments (request) or the answer (response)
	hasData   bool
	packet    any // BROADCAST: the packet; BROADCAST_ACK: the answer
	hasPacket bool
	sockets   []any
	count     int
}

// decodeMessage reads a request or a response: JSON when it starts with
// "{", msgpack otherwise, as Node tells them apart.
func decodeMessage(b []byte) (*message, error) {
	if len(b) == 0 {
		return nil, errEmpty
	}
	var v any
	var err error
	if b[0] == '{' {
		v, err = value.ParseJSON(b, nil, true)
	} else {
		v, err = value.UnmarshalAny(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errMalformed, err)
	}
	obj, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("%w: message is %s, want an object", errMalformed, kind(v))
	}
	m := &message{}
	for i, k := range obj.Keys {
		x := obj.Values[i]
		if x == nil { // null or undefined: as absent
			continue
		}
		switch k {
		case "uid":
			m.uid, err = toString(x, k)
		case "requestId":
			m.requestID, err = toString(x, k)
		case "type":
			var n int64
			n, err = toInt(x, k)
			m.typ, m.hasType = requestType(n), true
		case "rooms":
			m.rooms, err = toStrings(x, k)
			m.hasRooms = true
		case "opts":
			var o adapter.BroadcastOptions
			o, err = toOpts(x)
			m.opts = &o
		case "sid":
			m.sid, err = toString(x, k)
		case "room":
			m.room, err = toRoom(x, k)
		case "close":
			m.close, err = toBool(x, k)
		case "data":
			m.data, m.hasData = x, true
		case "packet":
			m.packet, m.hasPacket = x, true
		case "sockets":
			m.sockets, err = toList(x, k)
		case "clientCount":
			var n int64
			n, err = toInt(x, k)
			m.count = int(n)
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// toPacket reads a socket.io-parser packet object.
func toPacket(v any) (value.Packet, error) {
	var p value.Packet
	obj, ok := v.(*value.Map)
	if !ok {
		return p, fmt.Errorf("%w: packet is %s, want an object", errMalformed, kind(v))
	}
	p.Nsp = "/" // Node's default when a packet has none
	for i, k := range obj.Keys {
		x := obj.Values[i]
		var err error
		switch k {
		case "type":
			var n int64
			n, err = toInt(x, "packet type")
			p.Type = int(n)
		case "data":
			if _, err = toList(x, "packet data"); err == nil {
				p.Data = value.V{Any: x}
			}
		case "nsp":
			if x != nil {
				p.Nsp, err = toString(x, "packet nsp")
			}
		}
		if err != nil {
			return p, err
		}
	}
	if p.Data.Any == nil {
		return p, fmt.Errorf("%w: packet without data", errMalformed)
	}
	return p, nil
}

// toOpts reads {rooms, except, flags}.
func toOpts(v any) (adapter.BroadcastOptions, error) {
	var o adapter.BroadcastOptions
	obj, ok := v.(*value.Map)
	if !ok {
		return o, fmt.Errorf("%w: opts is %s, want an object", errMalformed, kind(v))
	}
	o.Flags.Compress = true
	for i, k := range obj.Keys {
		x := obj.Values[i]
		if x == nil {
			continue
		}
		var err error
		switch k {
		case "rooms":
			o.Rooms, err = toStrings(x, "opts rooms")
		case "except":
			o.Except, err = toStrings(x, "opts except")
		case "flags":
			o.Flags, err = toFlags(x)
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

func toFlags(v any) (adapter.Flags, error) {
	f := adapter.Flags{Compress: true}
	obj, ok := v.(*value.Map)
	if !ok {
		return f, fmt.Errorf("%w: flags is %s, want an object", errMalformed, kind(v))
	}
	for i, k := range obj.Keys {
		x := obj.Values[i]
		if x == nil {
			continue
		}
		// JavaScript truthiness would accept anything; a flag that is not
		// a boolean (or a timeout that is not a number) is a bug upstream.
		var err error
		switch k {
		case "volatile":
			f.Volatile, err = toBool(x, "flags volatile")
		case "compress":
			f.Compress, err = toBool(x, "flags compress")
		case "local":
			f.Local, err = toBool(x, "flags local")
		case "timeout":
			f.TimeoutMillis, err = toInt(x, "flags timeout")
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// toSocketInfo reads one socket of a REMOTE_FETCH response; handshake and
// data are kept as JSON.
func toSocketInfo(v any) (adapter.SocketInfo, error) {
	var s adapter.SocketInfo
	obj, ok := v.(*value.Map)
	if !ok {
		return s, fmt.Errorf("%w: socket is %s, want an object", errMalformed, kind(v))
	}
	for i, k := range obj.Keys {
		x := obj.Values[i]
		var err error
		switch k {
		case "id":
			s.ID, err = toString(x, "socket id")
		case "rooms":
			s.Rooms, err = toStrings(x, "socket rooms")
		case "data":
			s.Data, _, err = value.AppendJSON(nil, x, nil, false)
		case "handshake":
			s.Handshake, _, err = value.AppendJSON(nil, x, nil, false)
		}
		if err != nil {
			return s, err
		}
	}
	if s.ID == "" {
		return s, fmt.Errorf("%w: socket without id", errMalformed)
	}
	return s, nil
}

func toString(v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is %s, want a string", errMalformed, what, kind(v))
	}
	return s, nil
}

func toBool(v any, what string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%w: %s is %s, want a boolean", errMalformed, what, kind(v))
	}
	return b, nil
}

// toInt reads an integral number, as msgpack or JSON carries it.
func toInt(v any, what string) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), nil
		}
	}
	return 0, fmt.Errorf("%w: %s is %s, want an integer", errMalformed, what, kind(v))
}

func toList(v any, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %s, want an array", errMalformed, what, kind(v))
	}
	return a, nil
}

// toStrings reads a list of rooms.
func toStrings(v any, what string) ([]string, error) {
	a, err := toList(v, what)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(a))
	for i, x := range a {
		if out[i], err = toRoom(x, what); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// toRoom reads a room name. JavaScript lets a room be a number (Node's
// adapter has code for them); here it is its decimal text, as String(n).
func toRoom(v any, what string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("%w: %s holds %s, want a string", errMalformed, what, kind(v))
}

// kind names a decoded value's JavaScript type for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64, uint64, float64:
		return "a number"
	case string:
		return "a string"
	case []byte:
		return "binary"
	case []any:
		return "an array"
	case *value.Map:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
