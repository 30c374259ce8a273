package actorio

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCodecEncode measures an emit's encoding with each parser for the
// argument shapes applications send most: a string, a struct, a map of any
// with binary inside, and forwarded arguments.
func BenchmarkCodecEncode(b *testing.B) {
	type player struct {
		ID    string   `json:"id"`
		X, Y  float64  `json:"-"`
		Score int      `json:"score"`
		Tags  []string `json:"tags,omitempty"`
		Pos   [2]float64
	}
	for _, c := range []struct {
		name  string
		codec codec
	}{{"json", jsonCodec{}}, {"msgpack", msgpackCodec{}}} {
		data, atts, err := c.codec.encode("", []any{"hello", map[string]any{"blob": []byte{1, 2, 3}, "n": 1}})
		if err != nil {
			b.Fatal(err)
		}
		raw, err := c.codec.split(data)
		if err != nil {
			b.Fatal(err)
		}
		fwd := Args{raw: raw, atts: atts, codec: c.codec}.Forward()
		for _, arg := range []struct {
			name string
			v    []any
		}{
			{"string", []any{"chat message"}},
			{"struct", []any{player{ID: "p1", Score: 42, Tags: []string{"a", "b"}, Pos: [2]float64{1.5, 2}}}},
			{"map-binary", []any{map[string]any{"name": "file", "size": 3, "data": []byte{1, 2, 3}, "meta": map[string]any{"ok": true}}}},
			{"forward", fwd},
		} {
			b.Run(fmt.Sprintf("parser=%s/arg=%s", c.name, arg.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := c.codec.encode("event", arg.v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCodecDecode measures decoding an argument into a handler's
// struct with each parser.
func BenchmarkCodecDecode(b *testing.B) {
	type player struct {
		ID    string   `json:"id"`
		Score int      `json:"score"`
		Tags  []string `json:"tags"`
		Blob  []byte   `json:"blob"`
	}
	for _, c := range []struct {
		name  string
		codec codec
	}{{"json", jsonCodec{}}, {"msgpack", msgpackCodec{}}} {
		data, atts, err := c.codec.encode("event", []any{player{ID: "p1", Score: 42, Tags: []string{"a", "b"}, Blob: []byte{1, 2, 3}}})
		if err != nil {
			b.Fatal(err)
		}
		raw, err := c.codec.split(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("parser=%s/into=struct", c.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var p player
				if err := c.codec.decode(raw[1], atts, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("parser=%s/into=name", c.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var name string
				if err := c.codec.decode(raw[0], nil, &name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEventFrames measures a broadcast's encoding into its shared
// frame with a relayed (raw) payload of each size: the frame's buffer is
// made once when its size is guessed right (argsLenHint).
func BenchmarkEventFrames(b *testing.B) {
	s := NewServer(nil)
	defer s.Close()
	for _, size := range []int{16, 82, 190, 1000} {
		payload := json.RawMessage(`"` + strings.Repeat("x", size-2) + `"`)
		b.Run(fmt.Sprintf("payload=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.eventFrames("/", "relay", []any{payload}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
