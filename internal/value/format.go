package value

import (
	"errors"
	"fmt"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
)

// FromData reads a packet's data array in a server's format.
func FromData(f adapter.Format, data []byte, atts [][]byte) ([]any, error) {
	var v any
	var err error
	if f == adapter.FormatMsgpack {
		v, err = UnmarshalAny(data)
	} else {
		v, err = ParseJSON(data, nonNil(atts), false)
	}
	if err != nil {
		return nil, err
	}
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("value: packet data is %T, not an array", v)
	}
	return a, nil
}

// ToData writes a packet's data array in a server's format.
func ToData(f adapter.Format, vals []any) ([]byte, [][]byte, error) {
	if vals == nil {
		vals = []any{}
	}
	if f == adapter.FormatMsgpack {
		b, err := MarshalAny(vals)
		return b, nil, err
	}
	return AppendJSON(nil, vals, nil, true)
}

// FromArgs reads encoded arguments in a server's format.
func FromArgs(f adapter.Format, a adapter.Args) ([]any, error) {
	out := make([]any, len(a.Raw))
	for i, raw := range a.Raw {
		var err error
		if f == adapter.FormatMsgpack {
			out[i], err = UnmarshalAny(raw)
		} else {
			out[i], err = ParseJSON(raw, nonNil(a.Attachments), false)
		}
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

// ToArgs encodes values as arguments in a server's format.
func ToArgs(f adapter.Format, vals []any) (adapter.Args, error) {
	a := adapter.Args{Raw: make([][]byte, len(vals))}
	for i, v := range vals {
		var err error
		if f == adapter.FormatMsgpack {
			a.Raw[i], err = MarshalAny(v)
		} else {
			a.Raw[i], a.Attachments, err = AppendJSON(nil, v, a.Attachments, true)
		}
		if err != nil {
			return adapter.Args{}, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return a, nil
}

// nonNil makes attachments non-nil, so ParseJSON resolves placeholders
// (and rejects none: one that names no attachment stays an object).
func nonNil(atts [][]byte) [][]byte {
	if atts == nil {
		return [][]byte{}
	}
	return atts
}

// Packet is a Socket.IO packet as the Node adapters carry it: the
// socket.io-parser packet object before encoding.
type Packet struct {
	Type int     `json:"type"`
	Data V       `json:"data"`
	Nsp  string  `json:"nsp"`
	ID   *uint64 `json:"id,omitempty"`
}

// FromPacket turns a server's EVENT into the cluster's form.
func FromPacket(f adapter.Format, p *sio.Packet) (Packet, error) {
	data, err := FromData(f, p.Data, p.Attachments)
	if err != nil {
		return Packet{}, err
	}
	out := Packet{Type: int(sio.Event), Data: V{data}, Nsp: p.Namespace}
	if out.Nsp == "" {
		out.Nsp = sio.DefaultNamespace
	}
	if p.HasID {
		id := p.ID
		out.ID = &id
	}
	return out, nil
}

// ErrNotEvent refuses a packet other than an EVENT: only events cross
// servers.
var ErrNotEvent = errors.New("value: cluster packet is not an EVENT")

// SIO turns a cluster packet into a server's EVENT (without its ack id:
// the server that delivers it assigns its own).
func (p Packet) SIO(f adapter.Format) (*sio.Packet, error) {
	if p.Type != int(sio.Event) && p.Type != int(sio.BinaryEvent) {
		return nil, fmt.Errorf("%w (type %d)", ErrNotEvent, p.Type)
	}
	vals, ok := p.Data.Any.([]any)
	if !ok {
		return nil, fmt.Errorf("value: packet data is %T, not an array", p.Data.Any)
	}
	data, atts, err := ToData(f, vals)
	if err != nil {
		return nil, err
	}
	nsp := p.Nsp
	if nsp == "" {
		nsp = sio.DefaultNamespace
	}
	return &sio.Packet{Type: sio.Event, Namespace: nsp, Data: data, Attachments: atts}, nil
}
