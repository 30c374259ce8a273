package transport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// A packet encoded in place gives the same frames and Engine.IO messages
// as one built from its messages, for every header length.
func TestNewFramesInPlace(t *testing.T) {
	inPlace := func(binary bool, payload string, more ...eio.Packet) *Frames {
		buf := append(make([]byte, HeaderRoom), payload...)
		return NewFramesInPlace(buf, binary, more...)
	}
	att := eio.Packet{Type: eio.Message, Data: []byte{1, 2, 3}, Binary: true}
	tests := []struct {
		name   string
		binary bool
		in     string // the first message's WebSocket payload
		more   []eio.Packet
		want   []eio.Packet
	}{
		{name: "text, 2-byte header", in: `42["a"]`, want: []eio.Packet{{Type: eio.Message, Data: []byte(`2["a"]`)}}},
		{name: "text, 125 bytes", in: "4" + strings.Repeat("x", 124), want: []eio.Packet{{Type: eio.Message, Data: []byte(strings.Repeat("x", 124))}}},
		{name: "text, 126 bytes: 4-byte header", in: "4" + strings.Repeat("x", 125), want: []eio.Packet{{Type: eio.Message, Data: []byte(strings.Repeat("x", 125))}}},
		{name: "text, 65536 bytes: 10-byte header", in: "4" + strings.Repeat("x", 65535), want: []eio.Packet{{Type: eio.Message, Data: []byte(strings.Repeat("x", 65535))}}},
		{name: "binary", binary: true, in: "\x82\xa4type\x02", want: []eio.Packet{{Type: eio.Message, Data: []byte("\x82\xa4type\x02"), Binary: true}}},
		{name: "text with an attachment", in: `451-["a",{"_placeholder":true,"num":0}]`, more: []eio.Packet{att},
			want: []eio.Packet{{Type: eio.Message, Data: []byte(`51-["a",{"_placeholder":true,"num":0}]`)}, att}},
	}
	for _, tt := range tests {
		f := inPlace(tt.binary, tt.in, tt.more...)
		if len(f.Packets) != len(tt.want) {
			t.Fatalf("%s: NewFramesInPlace(%.20q).Packets = %d messages, want %d", tt.name, tt.in, len(f.Packets), len(tt.want))
		}
		for i, p := range f.Packets {
			if w := tt.want[i]; p.Type != w.Type || p.Binary != w.Binary || !bytes.Equal(p.Data, w.Data) {
				t.Errorf("%s: NewFramesInPlace(%.20q).Packets[%d] = %v %v %.20q, want %v %v %.20q", tt.name, tt.in, i, p.Type, p.Binary, p.Data, w.Type, w.Binary, w.Data)
			}
		}
		ref := NewFrames(tt.want...)
		if got, want := f.build(nil), ref.build(nil); !bytes.Equal(got, want) {
			t.Errorf("%s: plain frame built = %.40q, want %.40q", tt.name, got, want)
		}
		plain := f.forConn(&WSConn{})
		if want := ref.forConn(&WSConn{}); !bytes.Equal(plain, want) {
			t.Errorf("%s: plain frame = %.40q, want %.40q", tt.name, plain, want)
		}
		u := f.Uncompressed()
		if got := u.forConn(&WSConn{}); !bytes.Equal(got, plain) {
			t.Errorf("%s: Uncompressed plain frame = %.40q, want %.40q", tt.name, got, plain)
		}
		defl := &DeflateOptions{Threshold: 1}
		if got, want := f.build(defl), ref.build(defl); !bytes.Equal(got, want) {
			t.Errorf("%s: compressed frame = %.40q, want %.40q", tt.name, got, want)
		}
	}
}

// The frame is the buffer the packet was encoded in: no copy of the payload.
func TestNewFramesInPlaceSharesTheBuffer(t *testing.T) {
	buf := append(make([]byte, HeaderRoom, HeaderRoom+16), `42["a"]`...)
	f := NewFramesInPlace(buf, false)
	plain := f.forConn(&WSConn{})
	if &plain[len(plain)-1] != &buf[len(buf)-1] {
		t.Errorf("plain frame is a copy, want the encoding buffer itself")
	}
	if want := AppendFrame(nil, ws.OpText, []byte(`42["a"]`)); !bytes.Equal(plain, want) {
		t.Errorf("plain frame = %q, want %q", plain, want)
	}
}
