package eio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Rows come from the examples of the Engine.IO v4 protocol document, plus
// boundary rows. Each is checked in both directions.
var textVectors = []struct {
	name string
	wire string
	want Packet
}{
	{"open", `0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		Packet{Type: Open, Data: []byte(`{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
	{"close", "1", Packet{Type: Close}},
	{"ping", "2", Packet{Type: Ping}},
	{"pong", "3", Packet{Type: Pong}},
	{"probe ping", "2probe", Packet{Type: Ping, Data: []byte("probe")}},
	{"probe pong", "3probe", Packet{Type: Pong, Data: []byte("probe")}},
	{"message", "4hello", Packet{Type: Message, Data: []byte("hello")}},
	{"message utf8", "4€", Packet{Type: Message, Data: []byte("€")}},
	{"empty message", "4", Packet{Type: Message}},
	{"upgrade", "5", Packet{Type: Upgrade}},
	{"noop", "6", Packet{Type: Noop}},
	{"message that looks numeric", "44", Packet{Type: Message, Data: []byte("4")}},
	{"message with a separator-free socket.io event", `42["chat","hi"]`, Packet{Type: Message, Data: []byte(`2["chat","hi"]`)}},
}

func TestDecodeText(t *testing.T) {
	for _, tt := range textVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText([]byte(tt.wire))
			if err != nil || !samePacket(got, tt.want) {
				t.Errorf("DecodeText(%q) = %+v, %v, want %+v", tt.wire, got, err, tt.want)
			}
		})
	}
}

func TestAppendText(t *testing.T) {
	for _, tt := range textVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendText(nil, tt.want)
			if err != nil || string(got) != tt.wire {
				t.Errorf("AppendText(%+v) = %q, %v, want %q", tt.want, got, err, tt.wire)
			}
		})
	}
}

func TestDecodeTextErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"empty", "", ErrEmptyPacket},
		{"unknown digit", "7", ErrUnknownType},
		{"letter", "abc", ErrUnknownType},
		{"below zero", "/", ErrUnknownType},
		{"bad base64", "b!!!!", ErrInvalidBase64},
		{"truncated base64", "bAQIDB", ErrInvalidBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeText([]byte(tt.in)); !errors.Is(err, tt.wantErr) {
				t.Errorf("DecodeText(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestBinary(t *testing.T) {
	tests := []struct {
		name    string
		polling string
		data    []byte
	}{
		{"document example", "bAQIDBA==", []byte{1, 2, 3, 4}},
		{"empty", "b", []byte{}},
		{"base64 starting with 4", "b4A==", []byte{0xe0}},
		{"separator byte inside binary", "bHh4e", []byte{0x1e, 0x1e, 0x1e}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText([]byte(tt.polling))
			if err != nil || !got.Binary || got.Type != Message || !bytes.Equal(got.Data, tt.data) {
				t.Errorf("DecodeText(%q) = %+v, %v, want binary %v", tt.polling, got, err, tt.data)
			}
			enc, err := AppendPolling(nil, Packet{Type: Message, Data: tt.data, Binary: true})
			if err != nil || string(enc) != tt.polling {
				t.Errorf("AppendPolling(%v) = %q, %v, want %q", tt.data, enc, err, tt.polling)
			}
			if ws := DecodeBinary(tt.data); !ws.Binary || !bytes.Equal(ws.Data, tt.data) {
				t.Errorf("DecodeBinary(%v) = %+v", tt.data, ws)
			}
		})
	}
	if _, err := DecodeText([]byte("bAQIDBA")); err != nil {
		t.Errorf("unpadded base64 refused: %v", err)
	}
	if _, err := AppendText(nil, Packet{Type: Message, Binary: true}); !errors.Is(err, ErrBinaryNotData) {
		t.Errorf("AppendText(binary) error = %v, want %v", err, ErrBinaryNotData)
	}
	if _, err := AppendPolling(nil, Packet{Type: Ping, Binary: true}); !errors.Is(err, ErrBinaryNotData) {
		t.Errorf("AppendPolling(binary ping) error = %v, want %v", err, ErrBinaryNotData)
	}
}

func TestAppendMessage(t *testing.T) {
	if got := string(AppendMessage([]byte("x"), []byte(`2["a"]`))); got != `x42["a"]` {
		t.Errorf("AppendMessage = %q", got)
	}
}

func TestPacketTypeString(t *testing.T) {
	if Noop.String() != "noop" || PacketType(9).String() != "unknown" {
		t.Errorf("String() = %q, %q", Noop, PacketType(9))
	}
}

func samePacket(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func TestPayload(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want []Packet
	}{
		{"document example", "4hello\x1e4€\x1ebAQIDBA==", []Packet{
			{Type: Message, Data: []byte("hello")},
			{Type: Message, Data: []byte("€")},
			{Type: Message, Data: []byte{1, 2, 3, 4}, Binary: true},
		}},
		{"single", "4test1", []Packet{{Type: Message, Data: []byte("test1")}}},
		{"conformance triple", "4test1\x1e4test2\x1e4test3", []Packet{
			{Type: Message, Data: []byte("test1")},
			{Type: Message, Data: []byte("test2")},
			{Type: Message, Data: []byte("test3")},
		}},
		{"ping and close", "2\x1e1", []Packet{{Type: Ping}, {Type: Close}}},
		{"empty messages", "4\x1e4", []Packet{{Type: Message}, {Type: Message}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Packet
			err := DecodePayload([]byte(tt.wire), 0, func(p Packet) error {
				got = append(got, p)
				return nil
			})
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("DecodePayload(%q) = %+v, %v, want %+v", tt.wire, got, err, tt.want)
			}
			for i := range got {
				if !samePacket(got[i], tt.want[i]) {
					t.Errorf("DecodePayload(%q)[%d] = %+v, want %+v", tt.wire, i, got[i], tt.want[i])
				}
			}
			enc, err := AppendPayload(nil, tt.want...)
			if err != nil || string(enc) != tt.wire {
				t.Errorf("AppendPayload(%+v) = %q, %v, want %q", tt.want, enc, err, tt.wire)
			}
		})
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		wantErr error
		wantN   int // packets delivered before the error
	}{
		{"empty body", "", 0, ErrEmptyPacket, 0},
		{"trailing separator", "4a\x1e", 0, ErrEmptyPacket, 1},
		{"invalid in the middle", "4a\x1eabc\x1e4b", 0, ErrUnknownType, 1},
		{"over the limit", "4hello", 5, ErrPayloadTooLarge, 0},
		{"at the limit", "4hello", 6, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			err := DecodePayload([]byte(tt.in), tt.max, func(Packet) error { n++; return nil })
			if !errors.Is(err, tt.wantErr) || n != tt.wantN {
				t.Errorf("DecodePayload(%q, %d) = %d packets, %v; want %d, %v", tt.in, tt.max, n, err, tt.wantN, tt.wantErr)
			}
		})
	}
	stop := errors.New("stop")
	if err := DecodePayload([]byte("4a\x1e4b"), 0, func(Packet) error { return stop }); err != stop {
		t.Errorf("callback error not returned: %v", err)
	}
}

func TestHandshake(t *testing.T) {
	h := Handshake{SID: "lv_VI97HAXpY6yYWAAAC", Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}
	want := `0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if got := string(AppendOpen(nil, h)); got != want {
		t.Errorf("AppendOpen = %s, want %s", got, want)
	}
	ws := Handshake{SID: "x", PingInterval: 300, PingTimeout: 200, MaxPayload: 1000000}
	if got := string(AppendHandshake(nil, ws)); got != `{"sid":"x","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}` {
		t.Errorf("AppendHandshake(no upgrades) = %s", got)
	}
	back, err := ParseHandshake([]byte(want[1:]))
	if err != nil || back.SID != h.SID || back.PingInterval != 25000 || back.MaxPayload != 1000000 || len(back.Upgrades) != 1 {
		t.Errorf("ParseHandshake = %+v, %v", back, err)
	}
	for _, bad := range []string{"", "{}", "[1]", `{"sid":1}`} {
		if _, err := ParseHandshake([]byte(bad)); !errors.Is(err, ErrInvalidHandshake) {
			t.Errorf("ParseHandshake(%q) error = %v, want %v", bad, err, ErrInvalidHandshake)
		}
	}
}

func TestMaxSizePayload(t *testing.T) {
	const max = 1_000_000
	body := "4" + strings.Repeat("x", max-1)
	n := 0
	if err := DecodePayload([]byte(body), max, func(p Packet) error { n += len(p.Data); return nil }); err != nil || n != max-1 {
		t.Errorf("DecodePayload(max-size) = %d bytes, %v", n, err)
	}
	if err := DecodePayload([]byte(body+"x"), max, func(Packet) error { return nil }); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("DecodePayload(max+1) error = %v, want %v", err, ErrPayloadTooLarge)
	}
}
