package sio

import (
	"encoding/json"
	"strconv"
)

// A small validating JSON scanner. One pass checks that a payload is valid
// JSON (as JSON.parse would accept it), reports the kind of the top-level
// value, finds the first element of a top-level array (the event name), and
// optionally records placeholder objects. It allocates nothing unless asked
// to record placeholders or array elements.

type jsonKind byte

const (
	kindNone jsonKind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindLiteral // true, false, null
)

// maxJSONDepth bounds nesting, as encoding/json does, so hostile input
// cannot exhaust the stack.
const maxJSONDepth = 10000

// placeholder is a {"_placeholder":true,"num":N} object found in a payload:
// its byte range and N (-1 when N is not a usable index).
type placeholder struct {
	start, end, num int
}

type jsonScanner struct {
	data []byte

	// The first element of the top-level array, if any.
	firstStart, firstEnd int
	firstKind            jsonKind

	collectPlaceholders bool
	placeholders        []placeholder

	collectElems bool     // elems receives the top-level array's elements
	elems        [][]byte // by value: a pointer to a caller's slice put it on the heap
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *jsonScanner) skipSpace(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// document scans the whole input as one JSON value and returns its kind.
func (s *jsonScanner) document() (jsonKind, error) {
	i := s.skipSpace(0)
	end, k, err := s.value(i, 0)
	if err != nil {
		return kindNone, err
	}
	if s.skipSpace(end) != len(s.data) {
		return kindNone, ErrInvalidJSON
	}
	return k, nil
}

func (s *jsonScanner) value(i, depth int) (int, jsonKind, error) {
	if i >= len(s.data) {
		return i, kindNone, ErrInvalidJSON
	}
	switch c := s.data[i]; {
	case c == '{':
		end, err := s.object(i, depth+1)
		return end, kindObject, err
	case c == '[':
		end, err := s.array(i, depth+1)
		return end, kindArray, err
	case c == '"':
		end, err := s.str(i)
		return end, kindString, err
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := s.number(i)
		return end, kindNumber, err
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.data)-i >= len(lit) && string(s.data[i:i+len(lit)]) == lit {
				return i + len(lit), kindLiteral, nil
			}
		}
		return i, kindNone, ErrInvalidJSON
	}
}

func (s *jsonScanner) array(i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, ErrInvalidJSON
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		start := i
		end, k, err := s.value(i, depth)
		if err != nil {
			return end, err
		}
		if depth == 1 {
			if n == 0 {
				s.firstStart, s.firstEnd, s.firstKind = start, end, k
			}
			if s.collectElems {
				s.elems = append(s.elems, s.data[start:end])
			}
		}
		i = s.skipSpace(end)
		if i >= len(s.data) {
			return i, ErrInvalidJSON
		}
		switch s.data[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case ']':
			return i + 1, nil
		default:
			return i, ErrInvalidJSON
		}
	}
}

func (s *jsonScanner) object(open, depth int) (int, error) {
	if depth > maxJSONDepth {
		return open, ErrInvalidJSON
	}
	isPlaceholder, num := false, -1
	i := s.skipSpace(open + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return i, ErrInvalidJSON
		}
		keyStart := i
		end, err := s.str(i)
		if err != nil {
			return end, err
		}
		key := s.data[keyStart:end]
		i = s.skipSpace(end)
		if i >= len(s.data) || s.data[i] != ':' {
			return i, ErrInvalidJSON
		}
		i = s.skipSpace(i + 1)
		valStart := i
		end, k, err := s.value(i, depth)
		if err != nil {
			return end, err
		}
		if s.collectPlaceholders {
			switch unquoteKey(key) {
			case "_placeholder":
				isPlaceholder = k == kindLiteral && string(s.data[valStart:end]) == "true"
			case "num":
				num = -1
				if k == kindNumber {
					num = placeholderIndex(s.data[valStart:end])
				}
			}
		}
		i = s.skipSpace(end)
		if i >= len(s.data) {
			return i, ErrInvalidJSON
		}
		switch s.data[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case '}':
			if isPlaceholder {
				s.placeholders = append(s.placeholders, placeholder{start: open, end: i + 1, num: num})
			}
			return i + 1, nil
		default:
			return i, ErrInvalidJSON
		}
	}
}

// unquoteKey returns a key's value; escapes are rare in keys, so only then
// does it pay for a full decode.
func unquoteKey(quoted []byte) string {
	for _, c := range quoted {
		if c == '\\' {
			var s string
			if json.Unmarshal(quoted, &s) != nil {
				return ""
			}
			return s
		}
	}
	return string(quoted[1 : len(quoted)-1])
}

// placeholderIndex accepts the numbers JavaScript would use as an array
// index (0, 1, 2.0, 1e1) and returns -1 for anything else.
func placeholderIndex(raw []byte) int {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < 0 || f != float64(int(f)) || f > 1<<31 {
		return -1
	}
	return int(f)
}

func (s *jsonScanner) str(i int) (int, error) {
	d := s.data
	i++ // opening quote
	for i < len(d) {
		// Most of a string is plain bytes: skip them a table lookup each.
		for i < len(d) && !strSpecial[d[i]] {
			i++
		}
		if i == len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(d) {
				return i, ErrInvalidJSON
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) {
					return i, ErrInvalidJSON
				}
				for _, h := range d[i+2 : i+6] {
					if !isHex(h) {
						return i, ErrInvalidJSON
					}
				}
				i += 6
			default:
				return i, ErrInvalidJSON
			}
		default: // a control character
			return i, ErrInvalidJSON
		}
	}
	return i, ErrInvalidJSON
}

// strSpecial marks the bytes a string's scan stops at: its closing quote,
// an escape, a control character (not allowed unescaped).
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (s *jsonScanner) number(i int) (int, error) {
	d := s.data
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		return i, ErrInvalidJSON
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			return i, ErrInvalidJSON
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return i, ErrInvalidJSON
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	return i, nil
}

// SplitArray returns the elements of a JSON array as raw values that alias
// data: the arguments of an event or an ack, ready to forward or decode one
// by one. Plain byte slices, as Args holds them: no second slice to convert.
func SplitArray(data []byte) ([][]byte, error) {
	s := jsonScanner{data: data, collectElems: true, elems: make([][]byte, 0, 4)}
	k, err := s.document()
	if err != nil {
		return nil, err
	}
	if k != kindArray {
		return nil, ErrInvalidPayload
	}
	return s.elems, nil
}
