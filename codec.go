package actorio

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
)

// Parser selects the Socket.IO packet format a server speaks with every
// client: the default JSON parser or msgpack (npm socket.io-msgpack-parser).
// Arguments are encoded and decoded by encoding/json's rules with both
// (struct tags, Marshaler types, its errors), []byte as binary, so a client
// gets the same value and a handler the same arguments whichever is used.
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
	// eventName reads an event's name, its array's first element.
	eventName(raw []byte) (string, error)
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

func (c jsonCodec) encode(name string, args []any) ([]byte, [][]byte, error) {
	return c.appendArray(make([]byte, 0, 64), name, args)
}

// appendArray is encode appending to dst, so that a packet's payload can
// be written straight into its frame's buffer.
func (jsonCodec) appendArray(dst []byte, name string, args []any) ([]byte, [][]byte, error) {
	dst = append(dst, '[')
	var atts [][]byte
	if name != "" {
		dst = sio.AppendString(dst, name)
	}
	for i, a := range args {
		if i > 0 || name != "" {
			dst = append(dst, ',')
		}
		var err error
		if f, ok := a.(*forwarded); ok { // the relay's shape, without reflection
			dst, atts, err = f.AppendJSON(dst, atts)
		} else {
			dst, atts, err = sio.AppendJSON(dst, a, atts)
		}
		if err != nil {
			return nil, nil, encodeError(name, i, err)
		}
	}
	return append(dst, ']'), atts, nil
}

// encodeError names the argument that could not be encoded.
func encodeError(name string, i int, err error) error {
	if name == "" {
		return fmt.Errorf("actorio: ack argument %d: %w", i, err)
	}
	return fmt.Errorf("actorio: event %q argument %d: %w", name, i, err)
}

func (jsonCodec) split(data []byte) ([][]byte, error) {
	return sio.SplitArray(data)
}

func (jsonCodec) decode(raw []byte, atts [][]byte, v any) error {
	switch x := v.(type) {
	case *json.RawMessage:
		*x = raw
		return nil
	case *string: // the event name, every event: no reflection for a plain one
		if s, ok := plainJSONString(raw); ok {
			*x = s
			return nil
		}
	}
	if len(atts) > 0 {
		var err error
		if raw, err = sio.ResolvePlaceholders(raw, atts); err != nil {
			return err
		}
	}
	return json.Unmarshal(raw, v)
}

func (c jsonCodec) eventName(raw []byte) (string, error) {
	if s, ok := plainJSONString(raw); ok {
		return s, nil
	}
	var s string // on the heap (decode takes any): only names with escapes come here
	err := c.decode(raw, nil, &s)
	return s, err
}

// plainJSONString reads a JSON string of printable ASCII without escapes,
// the shape of nearly every event name, as json.Unmarshal would; anything
// else (escapes, other bytes, not a string) is left to json.Unmarshal.
func plainJSONString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, b := range body {
		if b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			return "", false
		}
	}
	return string(body), true
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

func (msgpackCodec) encode(name string, args []any) ([]byte, [][]byte, error) {
	n := len(args)
	if name != "" {
		n++
	}
	dst := msgpackparser.AppendArrayHeader(make([]byte, 0, 64), n)
	var err error
	if name != "" {
		dst, _ = msgpackparser.AppendValue(dst, name) // a string cannot fail
	}
	for i, a := range args {
		if dst, err = msgpackparser.AppendValue(dst, a); err != nil {
			return nil, nil, encodeError(name, i, err)
		}
	}
	return dst, nil, nil
}

func (msgpackCodec) split(data []byte) ([][]byte, error) {
	return msgpackparser.SplitArray(data)
}

// decode reads the argument as the default parser's would be read: its
// JSON form (binary as base64, see msgpackparser.AppendJSON) through
// encoding/json, so a handler takes the same arguments with either parser.
func (c msgpackCodec) eventName(raw []byte) (string, error) {
	if s, err := msgpackparser.DecodeString(raw); err == nil {
		return s, nil
	}
	var s string // on the heap (decode takes any): a name that is not a plain string
	err := c.decode(raw, nil, &s)
	return s, err
}

func (msgpackCodec) decode(raw []byte, _ [][]byte, v any) error {
	switch x := v.(type) {
	case *string: // the event name, every event: no JSON in between
		if s, err := msgpackparser.DecodeString(raw); err == nil {
			*x = s
			return nil
		}
	case *json.RawMessage:
		data, err := msgpackparser.AppendJSON(nil, raw)
		if err == nil {
			*x = data
		}
		return err
	}
	data, err := msgpackparser.AppendJSON(make([]byte, 0, len(raw)+len(raw)/2), raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func (msgpackCodec) object(v any) ([]byte, error) {
	return msgpackparser.AppendValue(nil, v)
}
