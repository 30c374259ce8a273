package msgpackparser

import (
	"encoding/binary"
	"errors"
)

// ErrInvalidMsgpack reports bytes that are not one well-formed msgpack value.
var ErrInvalidMsgpack = errors.New("msgpackparser: invalid msgpack")

// maxDepth bounds nesting so a hostile packet cannot exhaust the stack.
const maxDepth = 1000

type kind byte

const (
	kindOther kind = iota
	kindMap
	kindArray
	kindString
	kindInt
	kindNil
	kindUndefined // notepack's encoding of JavaScript undefined: fixext1 type 0
)

// value checks the msgpack value starting at b[i] and returns where it ends
// and its kind. For maps and arrays n is the element count.
func value(b []byte, i, depth int) (end int, k kind, n int, err error) {
	if i >= len(b) {
		return i, 0, 0, ErrInvalidMsgpack
	}
	if depth > maxDepth {
		return i, 0, 0, ErrInvalidMsgpack
	}
	c := b[i]
	i++
	switch {
	case c <= 0x7f || c >= 0xe0:
		return i, kindInt, 0, nil
	case c <= 0x8f:
		return container(b, i, int(c&0x0f), 2, depth, kindMap)
	case c <= 0x9f:
		return container(b, i, int(c&0x0f), 1, depth, kindArray)
	case c <= 0xbf:
		return skipBytes(b, i, int(c&0x1f), kindString)
	}
	switch c {
	case 0xc0:
		return i, kindNil, 0, nil
	case 0xc2, 0xc3:
		return i, kindOther, 0, nil
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		l, j, err := length(b, i, 1<<(c-0xc4))
		if err != nil {
			return j, 0, 0, err
		}
		return skipBytes(b, j, l, kindOther)
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32: length, type, data
		l, j, err := length(b, i, 1<<(c-0xc7))
		if err != nil {
			return j, 0, 0, err
		}
		return skipBytes(b, j, l+1, kindOther)
	case 0xca:
		return skipBytes(b, i, 4, kindOther)
	case 0xcb:
		return skipBytes(b, i, 8, kindOther)
	case 0xcc, 0xcd, 0xce, 0xcf:
		return skipBytes(b, i, 1<<(c-0xcc), kindInt)
	case 0xd0, 0xd1, 0xd2, 0xd3:
		return skipBytes(b, i, 1<<(c-0xd0), kindInt)
	case 0xd4:
		end, _, _, err := skipBytes(b, i, 2, kindOther)
		if err == nil && b[i] == 0 {
			return end, kindUndefined, 0, nil
		}
		return end, kindOther, 0, err
	case 0xd5, 0xd6, 0xd7, 0xd8: // fixext 2/4/8/16
		return skipBytes(b, i, 1+(2<<(c-0xd5)), kindOther)
	case 0xd9, 0xda, 0xdb: // str 8/16/32
		l, j, err := length(b, i, 1<<(c-0xd9))
		if err != nil {
			return j, 0, 0, err
		}
		return skipBytes(b, j, l, kindString)
	case 0xdc, 0xdd: // array 16/32
		l, j, err := length(b, i, 2<<(c-0xdc))
		if err != nil {
			return j, 0, 0, err
		}
		return container(b, j, l, 1, depth, kindArray)
	case 0xde, 0xdf: // map 16/32
		l, j, err := length(b, i, 2<<(c-0xde))
		if err != nil {
			return j, 0, 0, err
		}
		return container(b, j, l, 2, depth, kindMap)
	}
	return i, 0, 0, ErrInvalidMsgpack // 0xc1 is never used
}

func container(b []byte, i, n, per, depth int, k kind) (int, kind, int, error) {
	if n*per > len(b)-i { // every element takes at least one byte
		return i, 0, 0, ErrInvalidMsgpack
	}
	for range n * per {
		var err error
		if i, _, _, err = value(b, i, depth+1); err != nil {
			return i, 0, 0, err
		}
	}
	return i, k, n, nil
}

func skipBytes(b []byte, i, n int, k kind) (int, kind, int, error) {
	if n < 0 || n > len(b)-i {
		return i, 0, 0, ErrInvalidMsgpack
	}
	return i + n, k, 0, nil
}

// length reads a big-endian length of size bytes.
func length(b []byte, i, size int) (int, int, error) {
	if size > len(b)-i {
		return 0, i, ErrInvalidMsgpack
	}
	switch size {
	case 1:
		return int(b[i]), i + 1, nil
	case 2:
		return int(binary.BigEndian.Uint16(b[i:])), i + 2, nil
	default:
		return int(binary.BigEndian.Uint32(b[i:])), i + 4, nil
	}
}

// headerLen returns the length of a map or array header at b[i].
func headerLen(c byte) int {
	switch {
	case c <= 0x9f:
		return 1
	case c == 0xdc || c == 0xde:
		return 3
	default:
		return 5
	}
}
