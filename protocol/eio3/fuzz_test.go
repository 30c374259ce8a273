package eio3

import (
	"testing"

	"github.com/actorio/actorio/protocol/eio"
)

// FuzzDecodePayload: no input panics, and what decodes (in either payload
// form) encodes back, in both forms, to the same packets.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"1:26:4hello", "3:4😀", "6:b4AQID", "0:", "", ":", "1:9", "\x00\x01\xff2", "\x01\x03\xff\x04\x09\x08"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, decode := range []func([]byte, int, func(eio.Packet) error) error{DecodePayload, DecodeBinaryPayload} {
			var first []eio.Packet
			if err := decode(body, 1<<20, func(p eio.Packet) error { first = append(first, p); return nil }); err != nil || len(first) == 0 {
				continue
			}
			for _, sb := range []bool{false, true} {
				enc, isBinary, err := AppendPayload(nil, first, sb)
				if err != nil {
					t.Fatalf("AppendPayload(%+v): %v", first, err)
				}
				again := DecodePayload
				if isBinary {
					again = DecodeBinaryPayload
				}
				var second []eio.Packet
				if err := again(enc, 0, func(p eio.Packet) error { second = append(second, p); return nil }); err != nil {
					t.Fatalf("round trip of %q via %q: %v", body, enc, err)
				}
				if !samePackets(first, second) {
					t.Fatalf("round trip of %q via %q = %+v, want %+v", body, enc, second, first)
				}
			}
		}
	})
}
