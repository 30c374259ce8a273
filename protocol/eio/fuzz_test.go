package eio

import (
	"bytes"
	"testing"
)

// FuzzDecodePayload checks that no input panics, that decoding never
// allocates more than a constant factor of its input, and that what decodes
// encodes back to something that decodes to the same packets.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello\x1e4€\x1ebAQIDBA==", "2probe", "", "\x1e", "b", "bA", "7", "4\x1e\x1e4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var first []Packet
		err := DecodePayload(body, 1<<20, func(p Packet) error {
			if len(p.Data) > len(body) {
				t.Fatalf("packet data %d bytes from a %d-byte body", len(p.Data), len(body))
			}
			first = append(first, p)
			return nil
		})
		if err != nil {
			return
		}
		enc, err := AppendPayload(nil, first...)
		if err != nil {
			t.Fatalf("AppendPayload(%+v): %v", first, err)
		}
		i := 0
		err = DecodePayload(enc, 0, func(p Packet) error {
			if i >= len(first) || !samePacket(p, first[i]) {
				t.Fatalf("round trip of %q: packet %d = %+v", body, i, p)
			}
			i++
			return nil
		})
		if err != nil || i != len(first) {
			t.Fatalf("round trip of %q: %d packets, %v", body, i, err)
		}
	})
}

// FuzzDecodeText covers single frames, including text that a WebSocket would
// carry with separators inside.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"4hello", "b4A==", "6", "3probe", "4a\x1eb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := DecodeText(frame)
		if err != nil {
			return
		}
		var enc []byte
		if p.Binary {
			enc, err = AppendPolling(nil, p)
		} else {
			enc, err = AppendText(nil, p)
		}
		if err != nil {
			t.Fatalf("encode %+v: %v", p, err)
		}
		q, err := DecodeText(enc)
		if err != nil || q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", frame, q, err, p)
		}
	})
}
