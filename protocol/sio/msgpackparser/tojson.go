package msgpackparser

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/actorio/actorio/protocol/internal/jsonw"
)

// Errors of AppendJSON, for values JSON has no form for.
var (
	ErrMapKey     = errors.New("msgpackparser: map key neither a string nor an integer")
	ErrExtension  = errors.New("msgpackparser: unsupported extension type")
	ErrNonFinite  = errors.New("msgpackparser: NaN or infinity has no JSON form")
	ErrNotAString = errors.New("msgpackparser: not a string")
)

// AppendJSON appends the msgpack value data as JSON, the form the default
// parser's arguments have, so that both parsers' arguments decode alike
// with encoding/json: what the npm msgpack parser's decoder makes of the
// value, as JSON.stringify writes it, except binary (bin, and notepack's
// ArrayBuffer extension), which becomes a base64 string, as encoding/json
// writes []byte and as the default parser's placeholders are resolved.
// undefined becomes null (an object key holding it is left out), a Date
// (notepack's extension 0) its ISO string,
// a msgpack timestamp (extension -1) its RFC 3339 form, integer map keys
// their decimal strings. NaN, infinities and other extensions are errors.
func AppendJSON(dst, data []byte) ([]byte, error) {
	if end, _, _, err := value(data, 0, 0); err != nil || end != len(data) {
		return dst, ErrInvalidMsgpack
	}
	dst, _, err := appendJSON(dst, data, 0)
	return dst, err
}

// DecodeString decodes a msgpack str, as JSON would carry it (invalid UTF-8
// as U+FFFD): the event name, without going through JSON.
func DecodeString(data []byte) (string, error) {
	end, k, _, err := value(data, 0, 0)
	if err != nil || end != len(data) || k != kindString {
		return "", ErrNotAString
	}
	start, end := payload(data, 0)
	return validUTF8(string(data[start:end])), nil
}

// appendJSON writes the value at data[i], which value has checked, and
// returns where it ends.
func appendJSON(dst, data []byte, i int) ([]byte, int, error) {
	c := data[i]
	switch {
	case c <= 0x7f:
		return strconv.AppendInt(dst, int64(c), 10), i + 1, nil
	case c >= 0xe0:
		return strconv.AppendInt(dst, int64(int8(c)), 10), i + 1, nil
	case c <= 0x8f, c == 0xde, c == 0xdf:
		return appendObject(dst, data, i)
	case c <= 0x9f, c == 0xdc, c == 0xdd:
		n, j := count(data, i)
		dst = append(dst, '[')
		for k := range n {
			if k > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, j, err = appendJSON(dst, data, j); err != nil {
				return dst, j, err
			}
		}
		return append(dst, ']'), j, nil
	case c <= 0xbf, c == 0xd9, c == 0xda, c == 0xdb:
		start, end := payload(data, i)
		return jsonw.AppendString(dst, validUTF8(string(data[start:end]))), end, nil
	}
	switch c {
	case 0xc0:
		return append(dst, "null"...), i + 1, nil
	case 0xc2:
		return append(dst, "false"...), i + 1, nil
	case 0xc3:
		return append(dst, "true"...), i + 1, nil
	case 0xc4, 0xc5, 0xc6:
		start, end := payload(data, i)
		return appendBase64(dst, data[start:end]), end, nil
	case 0xca:
		return appendFloat(dst, float64(math.Float32frombits(binary.BigEndian.Uint32(data[i+1:]))), i+5)
	case 0xcb:
		return appendFloat(dst, math.Float64frombits(binary.BigEndian.Uint64(data[i+1:])), i+9)
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, end := uintAt(data, i+1, 1<<(c-0xcc))
		return strconv.AppendUint(dst, u, 10), end, nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		u, end := uintAt(data, i+1, 1<<(c-0xd0))
		n := 8 << (c - 0xd0) // bits
		return strconv.AppendInt(dst, int64(u<<(64-n))>>(64-n), 10), end, nil
	}
	return appendExt(dst, data, i)
}

func appendObject(dst, data []byte, i int) ([]byte, int, error) {
	n, j := count(data, i)
	dst = append(dst, '{')
	first := true
	for range n {
		key := j
		var err error
		if j, err = skipKey(data, j); err != nil {
			return dst, j, err
		}
		if isUndefined(data, j) { // JSON.stringify leaves the key out
			j += 3
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		if dst, err = appendKey(dst, data, key); err != nil {
			return dst, j, err
		}
		dst = append(dst, ':')
		if dst, j, err = appendJSON(dst, data, j); err != nil {
			return dst, j, err
		}
	}
	return append(dst, '}'), j, nil
}

// skipKey returns where the map key at data[i] ends: a string, or an
// integer (JavaScript object keys are strings; notepack reads an integer
// key as its decimal string).
func skipKey(data []byte, i int) (int, error) {
	switch c := data[i]; {
	case c >= 0xa0 && c <= 0xbf, c >= 0xd9 && c <= 0xdb:
		_, end := payload(data, i)
		return end, nil
	case c <= 0x7f, c >= 0xe0:
		return i + 1, nil
	case c >= 0xcc && c <= 0xcf:
		return i + 1 + 1<<(c-0xcc), nil
	case c >= 0xd0 && c <= 0xd3:
		return i + 1 + 1<<(c-0xd0), nil
	}
	return i, ErrMapKey
}

func appendKey(dst, data []byte, i int) ([]byte, error) {
	if c := data[i]; c >= 0xa0 && c <= 0xbf || c >= 0xd9 && c <= 0xdb {
		dst, _, err := appendJSON(dst, data, i)
		return dst, err
	}
	dst = append(dst, '"')
	dst, _, err := appendJSON(dst, data, i)
	return append(dst, '"'), err
}

// isUndefined reports whether data[i] is notepack's undefined: fixext 1,
// type 0.
func isUndefined(data []byte, i int) bool { return data[i] == 0xd4 && data[i+1] == 0 }

// appendExt writes the extensions JavaScript clients send: undefined, Date
// and ArrayBuffer (notepack.io's type 0), and the msgpack timestamp.
func appendExt(dst, data []byte, i int) ([]byte, int, error) {
	c := data[i]
	if c < 0xc7 || c > 0xc9 && c < 0xd4 || c > 0xd8 {
		return dst, i + 1, ErrInvalidMsgpack // 0xc1, never used
	}
	typ, body, end := extension(data, i)
	switch {
	case typ == 0 && c == 0xd4: // notepack's undefined: null, as JSON.stringify writes it in an array
		return append(dst, "null"...), end, nil
	case typ == 0 && c == 0xd7: // notepack's Date: milliseconds since the epoch
		ms := int64(binary.BigEndian.Uint64(body))
		return appendTime(dst, time.UnixMilli(ms), "2006-01-02T15:04:05.000Z07:00"), end, nil
	case typ == 0 && c >= 0xc7 && c <= 0xc9: // notepack's ArrayBuffer
		return appendBase64(dst, body), end, nil
	case typ == -1: // the msgpack timestamp
		var t time.Time
		switch len(body) {
		case 4:
			t = time.Unix(int64(binary.BigEndian.Uint32(body)), 0)
		case 8:
			v := binary.BigEndian.Uint64(body)
			t = time.Unix(int64(v&(1<<34-1)), int64(v>>34))
		case 12:
			t = time.Unix(int64(binary.BigEndian.Uint64(body[4:])), int64(binary.BigEndian.Uint32(body)))
		default:
			return dst, end, ErrExtension
		}
		return appendTime(dst, t, time.RFC3339Nano), end, nil
	}
	return dst, end, ErrExtension
}

func appendTime(dst []byte, t time.Time, layout string) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, layout)
	return append(dst, '"')
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

func appendFloat(dst []byte, f float64, end int) ([]byte, int, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, end, ErrNonFinite
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64), end, nil
}

// The input passed value, so headers can be trusted: these read them
// without walking what follows.

// count returns a map's or array's element count and where its first
// element starts.
func count(data []byte, i int) (int, int) {
	switch c := data[i]; c {
	case 0xdc, 0xde:
		return int(binary.BigEndian.Uint16(data[i+1:])), i + 3
	case 0xdd, 0xdf:
		return int(binary.BigEndian.Uint32(data[i+1:])), i + 5
	default:
		return int(c & 0x0f), i + 1
	}
}

// payload returns where the bytes of the str or bin at data[i] start and
// end.
func payload(data []byte, i int) (int, int) {
	var n, start int
	switch c := data[i]; {
	case c >= 0xa0 && c <= 0xbf:
		n, start = int(c&0x1f), i+1
	case c == 0xd9 || c == 0xc4:
		n, start = int(data[i+1]), i+2
	case c == 0xda || c == 0xc5:
		n, start = int(binary.BigEndian.Uint16(data[i+1:])), i+3
	default: // 0xdb, 0xc6
		n, start = int(binary.BigEndian.Uint32(data[i+1:])), i+5
	}
	return start, start + n
}

// extension returns the type and body of the extension at data[i].
func extension(data []byte, i int) (typ int8, body []byte, end int) {
	switch c := data[i]; c {
	case 0xc7, 0xc8, 0xc9: // ext 8, 16, 32: length, type, body
		size := 1 << (c - 0xc7)
		n, _ := uintAt(data, i+1, size)
		start := i + 2 + size
		return int8(data[i+1+size]), data[start : start+int(n)], start + int(n)
	default: // fixext 1, 2, 4, 8, 16: type, body
		n := 1 << (c - 0xd4)
		return int8(data[i+1]), data[i+2 : i+2+n], i + 2 + n
	}
}

// uintAt reads a big-endian unsigned integer of size bytes.
func uintAt(data []byte, i, size int) (uint64, int) {
	var u uint64
	for _, b := range data[i : i+size] {
		u = u<<8 | uint64(b)
	}
	return u, i + size
}
