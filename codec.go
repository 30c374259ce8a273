package actorio

import (
	"bytes"
	"encoding/json"

	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
	"github.com/vmihailenco/msgpack/v5"
)

// Parser selects the Socket.IO packet format a server speaks with every
// client: the default JSON parser or msgpack (npm socket.io-msgpack-parser).
type Parser int

const (
	// ParserDefault is socket.io-parser's JSON with binary attachments.
	ParserDefault Parser = iota
	// ParserMsgpack is socket.io-msgpack-parser.
	ParserMsgpack
)

// codec turns Go values into a parser's packet data and back.
type codec interface {
	parser() sio.Parser
	// encode writes ["name", args...] (name may be empty: ack arguments).
	encode(name string, args []any) (data []byte, atts [][]byte, err error)
	// split returns an array's raw elements.
	split(data []byte) ([][]byte, error)
	// decode fills v from one raw element.
	decode(raw []byte, atts [][]byte, v any) error
	// object encodes a single value (CONNECT and CONNECT_ERROR payloads).
	object(v any) ([]byte, error)
}

func newCodec(p Parser) codec {
	if p == ParserMsgpack {
		return msgpackCodec{}
	}
	return jsonCodec{}
}

type jsonCodec struct{}

func (jsonCodec) parser() sio.Parser { return sio.JSON }

// forwarded is a received argument passed on unchanged, binary included.
type forwarded struct {
	raw  []byte
	atts [][]byte
}

func (jsonCodec) encode(name string, args []any) ([]byte, [][]byte, error) {
	dst := append(make([]byte, 0, 64), '[')
	var atts [][]byte
	if name != "" {
		dst = sio.AppendString(dst, name)
	}
	for i, a := range args {
		if i > 0 || name != "" {
			dst = append(dst, ',')
		}
		var err error
		if f, ok := a.(forwarded); ok {
			dst, atts, err = sio.AppendRenumbered(dst, f.raw, f.atts, atts)
		} else {
			dst, atts, err = sio.AppendJSON(dst, a, atts)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return append(dst, ']'), atts, nil
}

func (jsonCodec) split(data []byte) ([][]byte, error) {
	elems, err := sio.SplitArray(data)
	out := make([][]byte, len(elems))
	for i, e := range elems {
		out[i] = e
	}
	return out, err
}

func (jsonCodec) decode(raw []byte, atts [][]byte, v any) error {
	if r, ok := v.(*json.RawMessage); ok {
		*r = raw
		return nil
	}
	if len(atts) > 0 {
		var err error
		if raw, err = sio.ResolvePlaceholders(raw, atts); err != nil {
			return err
		}
	}
	return json.Unmarshal(raw, v)
}

func (jsonCodec) object(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

type msgpackCodec struct{}

func (msgpackCodec) parser() sio.Parser { return msgpackparser.Parser }

func (c msgpackCodec) encode(name string, args []any) ([]byte, [][]byte, error) {
	list := make([]any, 0, len(args)+1) // never write into the caller's args
	if name != "" {
		list = append(list, name)
	}
	for _, a := range args {
		if f, ok := a.(forwarded); ok { // received as msgpack: embedded as is
			a = msgpack.RawMessage(f.raw)
		}
		if raw, ok := a.(json.RawMessage); ok { // raw JSON travels as its msgpack value
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, nil, err
			}
			a = v
		}
		list = append(list, a)
	}
	data, err := c.object(list)
	return data, nil, err
}

func (msgpackCodec) split(data []byte) ([][]byte, error) {
	elems, err := msgpackparser.SplitArray(data)
	out := make([][]byte, len(elems))
	for i, e := range elems {
		out[i] = e
	}
	return out, err
}

func (msgpackCodec) decode(raw []byte, _ [][]byte, v any) error {
	if r, ok := v.(*json.RawMessage); ok { // raw args become JSON for the Go side
		var x any
		if err := msgpack.Unmarshal(raw, &x); err != nil {
			return err
		}
		b, err := json.Marshal(x)
		*r = b
		return err
	}
	dec := msgpack.NewDecoder(bytes.NewReader(raw))
	dec.SetCustomStructTag("json") // as the encoder: structs keep their JSON field names
	return dec.Decode(v)
}

func (msgpackCodec) object(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetCustomStructTag("json") // Go structs keep their JSON field names
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
