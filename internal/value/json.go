package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/sio"
)

// ParseJSON reads one JSON value keeping key order. With atts, a
// socket.io-parser placeholder ({"_placeholder":true,"num":N}) becomes the
// attachment it names; without, it stays an object. With buffers, Node's
// Buffer JSON ({"type":"Buffer","data":[...]}) becomes binary, as the
// adapters' JSON messages write it.
func ParseJSON(data []byte, atts [][]byte, buffers bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := jsonParser{dec: dec, atts: atts, buffers: buffers}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("value: data after the JSON value")
	}
	return v, nil
}

type jsonParser struct {
	dec     *json.Decoder
	atts    [][]byte
	buffers bool
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("value: nested deeper than %d", MaxDepth)
	}
	t, err := p.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '[':
			a := []any{}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := p.dec.Token()
			return a, err
		case '{':
			m := &Map{}
			for p.dec.More() {
				k, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				m.Set(k.(string), v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, err
			}
			return p.special(m), nil
		}
		return nil, fmt.Errorf("value: unexpected %v", x)
	case json.Number:
		return number(x)
	default: // nil, bool, string
		return x, nil
	}
}

// special turns a placeholder or a Buffer's JSON into binary.
func (p *jsonParser) special(m *Map) any {
	if len(m.Keys) != 2 {
		return m
	}
	if p.atts != nil {
		ph, _ := m.Get("_placeholder")
		num, _ := m.Get("num")
		if n, ok := num.(int64); ph == true && ok && n >= 0 && n < int64(len(p.atts)) {
			return p.atts[n]
		}
	}
	if p.buffers {
		typ, _ := m.Get("type")
		data, _ := m.Get("data")
		if a, ok := data.([]any); typ == "Buffer" && ok {
			b := make([]byte, len(a))
			for i, e := range a {
				n, ok := e.(int64)
				if !ok || n < 0 || n > 255 {
					return m
				}
				b[i] = byte(n)
			}
			return b
		}
	}
	return m
}

// number reads a JSON number as JavaScript would, keeping integers exact.
func number(n json.Number) (any, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return u, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return nil, fmt.Errorf("value: number %s: %w", n, err)
	}
	return f, nil
}

// AppendJSON writes v as JSON. With placeholders, binary becomes a
// socket.io-parser placeholder and is appended to atts; otherwise it is
// written as Node's Buffer JSON.
func AppendJSON(dst []byte, v any, atts [][]byte, placeholders bool) ([]byte, [][]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), atts, nil
	case bool:
		return strconv.AppendBool(dst, x), atts, nil
	case int64:
		return strconv.AppendInt(dst, x, 10), atts, nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), atts, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(dst, "null"...), atts, nil // as JSON.stringify
		}
		if x == 0 {
			return append(dst, '0'), atts, nil // -0 too, as JSON.stringify
		}
		b, err := json.Marshal(x)
		return append(dst, b...), atts, err
	case string:
		if !utf8.ValidString(x) {
			return dst, atts, errors.New("value: string is not valid UTF-8")
		}
		return sio.AppendString(dst, x), atts, nil
	case []byte:
		if placeholders {
			dst = append(dst, `{"_placeholder":true,"num":`...)
			dst = strconv.AppendInt(dst, int64(len(atts)), 10)
			return append(dst, '}'), append(atts, x), nil
		}
		dst = append(dst, `{"type":"Buffer","data":[`...)
		for i, c := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(c), 10)
		}
		return append(dst, "]}"...), atts, nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, atts, err = AppendJSON(dst, e, atts, placeholders); err != nil {
				return dst, atts, err
			}
		}
		return append(dst, ']'), atts, nil
	case *Map:
		dst = append(dst, '{')
		for i, k := range x.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = sio.AppendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, atts, err = AppendJSON(dst, x.Values[i], atts, placeholders); err != nil {
				return dst, atts, err
			}
		}
		return append(dst, '}'), atts, nil
	case V:
		return AppendJSON(dst, x.Any, atts, placeholders)
	}
	return dst, atts, fmt.Errorf("value: cannot encode %T", v)
}

// MarshalJSON implements json.Marshaler: binary as Node's Buffer JSON.
func (v V) MarshalJSON() ([]byte, error) {
	b, _, err := AppendJSON(nil, v.Any, nil, false)
	return b, err
}

// UnmarshalJSON implements json.Unmarshaler: order kept, Node's Buffer
// JSON read as binary.
func (v *V) UnmarshalJSON(data []byte) error {
	x, err := ParseJSON(data, nil, true)
	v.Any = x
	return err
}
