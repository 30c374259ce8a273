package sio

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func gamePayload(size int) json.RawMessage {
	// ["relay","<payload>"] around the payload: 12 bytes of packet overhead.
	return json.RawMessage(`"` + strings.Repeat("x", size-14) + `"`)
}

// BenchmarkEncodeEvent is the broadcast encoder: once per broadcast, shared
// by every recipient. Target: at most one allocation.
func BenchmarkEncodeEvent(b *testing.B) {
	for _, size := range []int{100, 1024} {
		arg := gamePayload(size)
		b.Run("bytes="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = EncodeEvent("/", "relay", arg)
			}
		})
	}
	b.Run("binary", func(b *testing.B) {
		blob := make([]byte, 1024)
		b.ReportAllocs()
		for b.Loop() {
			data, atts, _ := AppendJSON(make([]byte, 0, 64), []any{"relay", blob}, make([][]byte, 0, 1))
			p := Packet{Type: Event, Data: data, Attachments: atts}
			_ = AppendPacket(make([]byte, 0, 96), &p)
		}
	})
}

// BenchmarkDecode is the inbound path of one event. Target for a 100-byte
// event: at most two allocations.
func BenchmarkDecode(b *testing.B) {
	for _, size := range []int{100, 1024} {
		wire := EncodeEvent("/", "relay", gamePayload(size))
		b.Run("bytes="+strconv.Itoa(len(wire)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(wire)))
			var d Decoder
			for b.Loop() {
				if _, _, err := d.Add(wire, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("binary", func(b *testing.B) {
		head := []byte(`451-["relay",{"_placeholder":true,"num":0}]`[1:])
		blob := make([]byte, 1024)
		b.ReportAllocs()
		var d Decoder
		for b.Loop() {
			_, _, _ = d.Add(head, false)
			if _, done, err := d.Add(blob, true); err != nil || !done {
				b.Fatal(err)
			}
		}
	})
	b.Run("custom-namespace", func(b *testing.B) {
		wire := EncodeEvent("/lobby", "relay", gamePayload(100))
		b.ReportAllocs()
		var d Decoder
		for b.Loop() {
			_, _, _ = d.Add(wire, false)
		}
	})
}
