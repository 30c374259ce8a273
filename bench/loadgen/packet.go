package loadgen

import "strconv"

// The generator never decodes JSON on the hot path. A delivery such as
//
//	42["fanout","1732245600123456789|42|7|xxxx…"]
//
// is read by position: the Engine.IO/Socket.IO prefix "42", the event name
// between the first pair of quotes, then the payload's leading decimal
// fields up to '|'. The payload the generator sends is
//
//	<send_ns>|<seq>|<sender>|<padding>
//
// where send_ns is the intended send time in Unix nanoseconds (the sender's
// schedule, not the moment of the write), seq the message's index in its
// stream and sender the sending client's index; padding ('x') brings the
// string to the configured size. The server tick payload (docs/bench-contract.md
// §4) is <ms>|<seq>|<padding> with <ms> in Unix milliseconds and an optional
// decimal fraction.

// event names the generator counts.
var (
	nameFanout = []byte("fanout")
	nameRelay  = []byte("relay")
	nameTick   = []byte("tick")
)

// parseEvent splits a Socket.IO EVENT packet `42[<id>]["name","arg0…` into
// the event name and the bytes that follow the opening quote of its first
// argument (to the end of the packet). ok is false when p is not an event
// whose first argument is a string.
func parseEvent(p []byte) (name, arg []byte, ok bool) {
	if len(p) < 4 || p[0] != '4' || p[1] != '2' {
		return nil, nil, false
	}
	i := 2
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	if i+2 > len(p) || p[i] != '[' || p[i+1] != '"' {
		return nil, nil, false
	}
	i += 2
	start := i
	for i < len(p) && p[i] != '"' {
		if p[i] == '\\' {
			return nil, nil, false // names the generator counts never need escapes
		}
		i++
	}
	if i >= len(p) {
		return nil, nil, false
	}
	name = p[start:i]
	i++
	if i+2 > len(p) || p[i] != ',' || p[i+1] != '"' {
		return name, nil, true
	}
	return name, p[i+2:], true
}

// parseAck splits a Socket.IO ACK packet `43<id>[…]` into its id and its
// JSON array of arguments.
func parseAck(p []byte) (id uint64, args []byte, ok bool) {
	if len(p) < 4 || p[0] != '4' || p[1] != '3' {
		return 0, nil, false
	}
	id, n := parseUint(p[2:])
	if n == 0 || 2+n >= len(p) || p[2+n] != '[' {
		return 0, nil, false
	}
	return id, p[2+n:], true
}

// parseUint reads leading decimal digits of b. It returns n == 0 when b does
// not start with a digit or the number overflows 19 digits.
func parseUint(b []byte) (v uint64, n int) {
	for n < len(b) && n < 19 {
		c := b[n]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
		n++
	}
	if n == 19 && n < len(b) && b[n] >= '0' && b[n] <= '9' {
		return 0, 0
	}
	return v, n
}

// parseStamp reads the leading `<send_ns>|<seq>|` of a generator payload.
func parseStamp(b []byte) (ns int64, seq uint64, ok bool) {
	v, n := parseUint(b)
	if n == 0 || n >= len(b) || b[n] != '|' {
		return 0, 0, false
	}
	b = b[n+1:]
	s, m := parseUint(b)
	if m == 0 || m >= len(b) || b[m] != '|' {
		return 0, 0, false
	}
	return int64(v), s, true
}

// senderOf returns the <sender> field of a generator payload, -1 if absent.
func senderOf(b []byte) int {
	for k := 0; k < 2; k++ {
		i := 0
		for i < len(b) && b[i] != '|' {
			i++
		}
		if i == len(b) {
			return -1
		}
		b = b[i+1:]
	}
	v, n := parseUint(b)
	if n == 0 {
		return -1
	}
	return int(v)
}

// parseTickStamp reads the leading `<ms>[.<fraction>]|<seq>|` of a server
// tick payload and returns the send time in Unix nanoseconds. Fraction
// digits past the sixth (nanoseconds) are ignored.
func parseTickStamp(b []byte) (ns int64, seq uint64, ok bool) {
	ns, n, ok := parseMillis(b)
	if !ok {
		return 0, 0, false
	}
	b = b[n:]
	if len(b) == 0 || b[0] != '|' {
		return 0, 0, false
	}
	b = b[1:]
	s, m := parseUint(b)
	if m == 0 || m >= len(b) || b[m] != '|' {
		return 0, 0, false
	}
	return ns, s, true
}

// appendPayload appends a generator payload `<ns>|<seq>|<sender>|xxx…` of
// size bytes (longer when size is too small for the header).
func appendPayload(dst []byte, ns int64, seq uint64, sender int, size int) []byte {
	start := len(dst)
	dst = strconv.AppendInt(dst, ns, 10)
	dst = append(dst, '|')
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, '|')
	dst = strconv.AppendInt(dst, int64(sender), 10)
	dst = append(dst, '|')
	for len(dst)-start < size {
		dst = append(dst, 'x')
	}
	return dst
}

// appendEvent appends `42[<ackID>]["<name>",["<room>",]"<payload>"]`; ackID
// 0 means no ack is requested.
func appendEvent(dst []byte, ackID uint64, name, room string, ns int64, seq uint64, sender, size int) []byte {
	dst = append(dst, '4', '2')
	if ackID != 0 {
		dst = strconv.AppendUint(dst, ackID, 10)
	}
	dst = append(dst, '[', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ',', '"')
	if room != "" {
		dst = append(dst, room...)
		dst = append(dst, '"', ',', '"')
	}
	dst = appendPayload(dst, ns, seq, sender, size)
	return append(dst, '"', ']')
}
