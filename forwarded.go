package actorio

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actorio/actorio/protocol/sio"
)

// forwarded is a received argument passed on unchanged, binary included,
// by Args.Forward (as a *forwarded). Both encoders recognise it wherever it is nested (an
// argument, a map value, a struct field, a slice element): the JSON
// encoder through sio.JSONAppender, the msgpack encoder through
// msgpackparser.Appender. encoding/json recognises it too (MarshalJSON).
type forwarded struct {
	raw   []byte
	atts  [][]byte
	codec codec // the parser it was received with
}

// errForwardAcrossParsers refuses to send a forwarded argument with another
// parser than the one it came with: its raw form is that parser's.
var errForwardAcrossParsers = errors.New("actorio: a forwarded argument can only be sent by a server with the parser it was received with")

// AppendJSON splices the argument in, its placeholders renumbered to follow
// the packet's attachments so far (sio.JSONAppender).
func (f forwarded) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	if _, ok := f.codec.(jsonCodec); !ok {
		return dst, atts, fmt.Errorf("%w (received with msgpack, sent with the default parser)", errForwardAcrossParsers)
	}
	return sio.AppendRenumbered(dst, f.raw, f.atts, atts)
}

// AppendMsgpack splices the argument in as received, binary as msgpack bin
// (msgpackparser.Appender).
func (f forwarded) AppendMsgpack(dst []byte) ([]byte, error) {
	if _, ok := f.codec.(msgpackCodec); !ok {
		return dst, fmt.Errorf("%w (received with the default parser, sent with msgpack)", errForwardAcrossParsers)
	}
	return append(dst, f.raw...), nil
}

// MarshalJSON is the argument as encoding/json would write its decoded
// value, binary as base64 strings: a forwarded value that reaches
// json.Marshal (a log line, a user's own encoding) is never an empty {}.
func (f forwarded) MarshalJSON() ([]byte, error) {
	if _, ok := f.codec.(jsonCodec); ok {
		return sio.ResolvePlaceholders(f.raw, f.atts)
	}
	var r json.RawMessage
	err := f.codec.decode(f.raw, f.atts, &r)
	return r, err
}
