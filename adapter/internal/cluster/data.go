package cluster

import (
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// encodeOptions writes BroadcastOptions as Node's encodeOptions: rooms and
// except as arrays, flags as the BroadcastFlags object (only the flags that
// are set: Node tests volatile against undefined).
func encodeOptions(o adapter.BroadcastOptions) *value.Map {
	flags := &value.Map{}
	if o.Flags.Volatile {
		flags.Set("volatile", true)
	}
	if !o.Flags.Compress {
		flags.Set("compress", false)
	}
	if o.Flags.Local {
		flags.Set("local", true)
	}
	if o.Flags.TimeoutMillis > 0 {
		flags.Set("timeout", o.Flags.TimeoutMillis)
	}
	return object("rooms", stringValues(o.Rooms), "except", stringValues(o.Except), "flags", flags)
}

// decodeOptions reads Node's encoded BroadcastOptions.
func decodeOptions(v any) (adapter.BroadcastOptions, error) {
	o, ok := v.(*value.Map)
	if !ok {
		return adapter.BroadcastOptions{}, invalid("opts is %T, not an object", v)
	}
	rooms, err := stringList(o, "rooms")
	if err != nil {
		return adapter.BroadcastOptions{}, err
	}
	except, err := stringList(o, "except")
	if err != nil {
		return adapter.BroadcastOptions{}, err
	}
	out := adapter.BroadcastOptions{Rooms: rooms, Except: except, Flags: adapter.Flags{Compress: true}}
	flags, _ := o.Get("flags")
	if f, ok := flags.(*value.Map); ok {
		out.Flags.Volatile = truthy(f, "volatile")
		out.Flags.Local = truthy(f, "local")
		if c, ok := f.Get("compress"); ok && c != nil {
			out.Flags.Compress = truthy(f, "compress")
		}
		if t, ok := integer(f, "timeout"); ok && t > 0 {
			out.Flags.TimeoutMillis = t
		}
	}
	return out, nil
}

// truthy is JavaScript's truthiness of a field, for the values flags hold.
func truthy(o *value.Map, key string) bool {
	v, _ := o.Get(key)
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case nil:
		return false
	}
	return true
}

// encodePacket writes a server's EVENT as the packet object Node's cluster
// adapter publishes: {type, data}. Node publishes it before its in-memory
// adapter sets nsp and the ack id, so neither is there: the receiver takes
// the namespace from the message and names acks itself.
func encodePacket(f adapter.Format, p *sio.Packet) (*value.Map, error) {
	vals, err := value.FromData(f, p.Data, p.Attachments)
	if err != nil {
		return nil, err
	}
	return object("type", int64(sio.Event), "data", vals), nil
}

// PacketSIO turns a cluster packet object into a server's EVENT of
// namespace nsp, with extra values appended to its data (an offset, for
// connection state recovery).
func PacketSIO(f adapter.Format, v any, nsp string, extra ...any) (*sio.Packet, error) {
	o, ok := v.(*value.Map)
	if !ok {
		return nil, invalid("packet is %T, not an object", v)
	}
	t, _ := integer(o, "type")
	data, _ := o.Get("data")
	vals, ok := data.([]any)
	if !ok {
		return nil, invalid("packet data is %T, not an array", data)
	}
	if len(extra) > 0 {
		vals = append(vals[:len(vals):len(vals)], extra...)
	}
	p, err := value.Packet{Type: int(t), Data: value.V{Any: vals}, Nsp: nsp}.SIO(f)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return p, nil
}

// BroadcastOf reads a BROADCAST's data: the packet object, the options and
// the request id (empty without acks).
func BroadcastOf(d *value.Map) (packet any, opts adapter.BroadcastOptions, requestID string, err error) {
	if d == nil {
		return nil, opts, "", invalid("broadcast without data")
	}
	o, _ := get(d, "opts")
	if opts, err = decodeOptions(o); err != nil {
		return nil, opts, "", err
	}
	packet, _ = get(d, "packet")
	requestID, _ = str(d, "requestId")
	return packet, opts, requestID, nil
}

// socketValue writes a socket as a FETCH_SOCKETS_RESPONSE lists it:
// {id, handshake, rooms, data}.
func socketValue(s adapter.SocketInfo) (*value.Map, error) {
	hs, err := jsonValue(s.Handshake)
	if err != nil {
		return nil, err
	}
	data, err := jsonValue(s.Data)
	if err != nil {
		return nil, err
	}
	return object("id", s.ID, "handshake", hs, "rooms", stringValues(s.Rooms), "data", data), nil
}

// socketInfo reads a socket of a FETCH_SOCKETS_RESPONSE.
func socketInfo(v any) (adapter.SocketInfo, error) {
	o, ok := v.(*value.Map)
	if !ok {
		return adapter.SocketInfo{}, invalid("socket is %T, not an object", v)
	}
	id, ok := str(o, "id")
	if !ok {
		return adapter.SocketInfo{}, invalid("socket without an id")
	}
	rooms, err := stringList(o, "rooms")
	if err != nil {
		return adapter.SocketInfo{}, err
	}
	info := adapter.SocketInfo{ID: id, Rooms: rooms}
	if hs, ok := o.Get("handshake"); ok {
		if info.Handshake, _, err = value.AppendJSON(nil, hs, nil, false); err != nil {
			return adapter.SocketInfo{}, invalid("handshake: %v", err)
		}
	}
	if data, ok := o.Get("data"); ok {
		if info.Data, _, err = value.AppendJSON(nil, data, nil, false); err != nil {
			return adapter.SocketInfo{}, invalid("data: %v", err)
		}
	}
	return info, nil
}

// jsonValue reads JSON into the value model; nothing is null.
func jsonValue(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return value.ParseJSON(b, nil, false)
}

// argsValues reads a server's encoded arguments.
func argsValues(f adapter.Format, a adapter.Args) ([]any, error) {
	return value.FromArgs(f, a)
}

// firstArg is what Node sends back for an answer: the ack's first argument
// (undefined, written null, when there is none).
func firstArg(f adapter.Format, a adapter.Args) (any, error) {
	if len(a.Raw) == 0 {
		return nil, nil
	}
	vals, err := value.FromArgs(f, adapter.Args{Raw: a.Raw[:1], Attachments: a.Attachments})
	if err != nil {
		return nil, err
	}
	return vals[0], nil
}
