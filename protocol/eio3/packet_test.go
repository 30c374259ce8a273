package eio3

import (
	"errors"
	"testing"

	"github.com/actorio/actorio/protocol/eio"
)

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    eio.Packet
		wantErr error
	}{
		{"ping", "2", text(eio.Ping, ""), nil},
		{"probe", "2probe", text(eio.Ping, "probe"), nil},
		{"message", "4hi", text(eio.Message, "hi"), nil},
		{"base64 message", "b4AQID", bin(1, 2, 3), nil},
		{"base64 unpadded", "b4AQ", bin(1), nil},
		{"base64 empty", "b4", bin(), nil},
		{"base64 of a ping", "b2AQID", eio.Packet{}, eio.ErrBinaryNotData},
		{"b alone", "b", eio.Packet{}, eio.ErrUnknownType},
		{"b with a bad type", "bxAQ", eio.Packet{}, eio.ErrUnknownType},
		{"bad base64", "b4!!", eio.Packet{}, eio.ErrInvalidBase64},
		{"empty", "", eio.Packet{}, eio.ErrEmptyPacket},
		{"bad type", "9", eio.Packet{}, eio.ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (err == nil && !samePackets([]eio.Packet{got}, []eio.Packet{tt.want})) {
				t.Errorf("DecodeText(%q) = %+v, %v, want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecodeBinary(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    eio.Packet
		wantErr error
	}{
		{"message", []byte{4, 1, 2}, bin(1, 2), nil},
		{"message, no data", []byte{4}, bin(), nil},
		{"empty", nil, eio.Packet{}, eio.ErrEmptyPacket},
		{"ping", []byte{2}, eio.Packet{}, eio.ErrBinaryNotData},
		{"bad type", []byte{'4', 1}, eio.Packet{}, eio.ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBinary(tt.in)
			if !errors.Is(err, tt.wantErr) || (err == nil && !samePackets([]eio.Packet{got}, []eio.Packet{tt.want})) {
				t.Errorf("DecodeBinary(%q) = %+v, %v, want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []eio.Packet
		wantErr error
	}{
		{"one", "1:2", []eio.Packet{text(eio.Ping, "")}, nil},
		{"two", "1:26:4hello", []eio.Packet{text(eio.Ping, ""), text(eio.Message, "hello")}, nil},
		{"astral counts two", "3:4😀", []eio.Packet{text(eio.Message, "😀")}, nil},
		{"empty record skipped", "0:1:2", []eio.Packet{text(eio.Ping, "")}, nil},
		{"base64", "6:b4AQID", []eio.Packet{bin(1, 2, 3)}, nil},
		{"empty", "", nil, ErrEmptyPayload},
		{"no colon", "12", nil, ErrInvalidLength},
		{"no length", ":2", nil, ErrInvalidLength},
		{"not a number", "a:2", nil, ErrInvalidLength},
		{"too long a length", "12345678901:2", nil, ErrInvalidLength},
		{"short", "5:4hi", nil, ErrInvalidLength},
		{"splits a pair", "2:4😀", nil, ErrInvalidLength},
		{"bad packet", "1:9", nil, eio.ErrUnknownType},
		{"trailing length", "1:23", nil, ErrInvalidLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []eio.Packet
			err := DecodePayload([]byte(tt.in), 0, func(p eio.Packet) error { got = append(got, p); return nil })
			if !errors.Is(err, tt.wantErr) || (err == nil && !samePackets(got, tt.want)) {
				t.Errorf("DecodePayload(%q) = %+v, %v, want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
	if err := DecodePayload([]byte("1:2"), 2, func(eio.Packet) error { return nil }); !errors.Is(err, eio.ErrPayloadTooLarge) {
		t.Errorf("DecodePayload(%q, max 2) = %v, want %v", "1:2", err, eio.ErrPayloadTooLarge)
	}
}

func TestDecodeBinaryPayload(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    []eio.Packet
		wantErr error
	}{
		{"string", []byte{0, 1, 0xff, '2'}, []eio.Packet{text(eio.Ping, "")}, nil},
		{"binary", []byte{1, 3, 0xff, 4, 9, 8}, []eio.Packet{bin(9, 8)}, nil},
		{"both", []byte{0, 3, 0xff, '4', 'h', 'i', 1, 2, 0xff, 4, 7}, []eio.Packet{text(eio.Message, "hi"), bin(7)}, nil},
		{"empty", nil, nil, ErrEmptyPayload},
		{"bad kind", []byte{2, 1, 0xff, '2'}, nil, ErrInvalidLength},
		{"no marker", []byte{0, 1}, nil, ErrInvalidLength},
		{"no digits", []byte{0, 0xff, '2'}, nil, ErrInvalidLength},
		{"not a digit", []byte{0, 10, 0xff, '2'}, nil, ErrInvalidLength},
		{"past the end", []byte{0, 5, 0xff, '2'}, nil, ErrInvalidLength},
		{"empty string record", []byte{0, 0, 0xff}, nil, eio.ErrEmptyPacket},
		{"binary ping", []byte{1, 1, 0xff, 2}, nil, eio.ErrBinaryNotData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []eio.Packet
			err := DecodeBinaryPayload(tt.in, 0, func(p eio.Packet) error { got = append(got, p); return nil })
			if !errors.Is(err, tt.wantErr) || (err == nil && !samePackets(got, tt.want)) {
				t.Errorf("DecodeBinaryPayload(%q) = %+v, %v, want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
