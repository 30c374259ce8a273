package eio

import (
	"strconv"
	"strings"
	"testing"
)

func BenchmarkAppendMessage(b *testing.B) {
	for _, size := range []int{100, 1024} {
		data := []byte(`2["move","` + strings.Repeat("x", size-12) + `"]`)
		b.Run("bytes="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, size+8)
			for b.Loop() {
				buf = AppendMessage(buf[:0], data)
			}
		})
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	body := []byte(strings.Repeat(`42["move","`+strings.Repeat("x", 88)+`"]`+"\x1e", 9) + "bAQIDBA==")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = DecodePayload(body, 0, func(Packet) error { return nil })
	}
}
