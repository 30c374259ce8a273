package sio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Rows come from the examples of the Socket.IO v5 protocol document, plus
// boundary rows. Each is checked in both directions.
var textVectors = []struct {
	name string
	wire string
	want Packet
}{
	{"connect main", "0", Packet{Type: Connect, Namespace: "/"}},
	{"connect custom", "0/admin,", Packet{Type: Connect, Namespace: "/admin"}},
	{"connect with auth", `0{"token":"123"}`, Packet{Type: Connect, Namespace: "/", Data: []byte(`{"token":"123"}`)}},
	{"connect custom with auth", `0/admin,{"token":"123"}`, Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"token":"123"}`)}},
	{"connect reply", `0{"sid":"oSO0OpakMV_3jnilAAAA"}`, Packet{Type: Connect, Namespace: "/", Data: []byte(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)}},
	{"connect error", `4{"message":"Not authorized"}`, Packet{Type: ConnectError, Namespace: "/", Data: []byte(`{"message":"Not authorized"}`)}},
	{"connect error custom", `4/admin,{"message":"Not authorized"}`, Packet{Type: ConnectError, Namespace: "/admin", Data: []byte(`{"message":"Not authorized"}`)}},
	{"connect error with data", `44/random,{"message":"Invalid namespace"}`[1:], Packet{Type: ConnectError, Namespace: "/random", Data: []byte(`{"message":"Invalid namespace"}`)}},
	{"disconnect main", "1", Packet{Type: Disconnect, Namespace: "/"}},
	{"disconnect custom", "1/admin,", Packet{Type: Disconnect, Namespace: "/admin"}},
	{"event", `2["foo"]`, Packet{Type: Event, Namespace: "/", Data: []byte(`["foo"]`)}},
	{"event custom", `2/admin,["bar"]`, Packet{Type: Event, Namespace: "/admin", Data: []byte(`["bar"]`)}},
	{"event with ack", `212["foo"]`, Packet{Type: Event, Namespace: "/", ID: 12, HasID: true, Data: []byte(`["foo"]`)}},
	{"event custom with ack", `2/admin,13["bar"]`, Packet{Type: Event, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`["bar"]`)}},
	{"ack", `312["bar"]`, Packet{Type: Ack, Namespace: "/", ID: 12, HasID: true, Data: []byte(`["bar"]`)}},
	{"ack custom", `3/admin,13["bar"]`, Packet{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`["bar"]`)}},
	{"ack id zero", `30[]`, Packet{Type: Ack, Namespace: "/", ID: 0, HasID: true, Data: []byte(`[]`)}},
	{"conformance echo", `2["message-back",1,"2",{"3":[true]}]`, Packet{Type: Event, Namespace: "/", Data: []byte(`["message-back",1,"2",{"3":[true]}]`)}},
	{"key order kept", `2["e",{"b":1,"a":2}]`, Packet{Type: Event, Namespace: "/", Data: []byte(`["e",{"b":1,"a":2}]`)}},
	{"separator inside a string", "2[\"e\",\"a\\u001eb\"]", Packet{Type: Event, Namespace: "/", Data: []byte("[\"e\",\"a\\u001eb\"]")}},
	{"largest ack id", `29007199254740991["e"]`, Packet{Type: Event, Namespace: "/", ID: MaxAckID, HasID: true, Data: []byte(`["e"]`)}},
}

func samePacket(a, b Packet) bool {
	if a.Type != b.Type || a.Nsp() != b.Nsp() || a.HasID != b.HasID || a.ID != b.ID || !bytes.Equal(a.Data, b.Data) || len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Attachments {
		if !bytes.Equal(a.Attachments[i], b.Attachments[i]) {
			return false
		}
	}
	return true
}

func TestDecodeText(t *testing.T) {
	for _, tt := range textVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := DecodeText([]byte(tt.wire), 0)
			if err != nil || n != 0 || !samePacket(got, tt.want) {
				t.Errorf("DecodeText(%q) = %+v, %d, %v; want %+v", tt.wire, got, n, err, tt.want)
			}
		})
	}
}

func TestAppendPacket(t *testing.T) {
	for _, tt := range textVectors {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendPacket(nil, &tt.want)); got != tt.wire {
				t.Errorf("AppendPacket(%+v) = %q, want %q", tt.want, got, tt.wire)
			}
		})
	}
}

// Node accepts "40/custom" without the trailing comma; we read it the same
// way but always write the comma.
func TestNamespaceWithoutComma(t *testing.T) {
	p, _, err := DecodeText([]byte("0/custom"), 0)
	if err != nil || p.Namespace != "/custom" || p.Data != nil {
		t.Errorf("DecodeText(0/custom) = %+v, %v", p, err)
	}
}

func TestDecodeTextErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"empty", "", ErrEmptyPacket},
		{"unknown type", "abc", ErrUnknownType},
		{"type 7", "7", ErrUnknownType},
		{"event payload not an array", "2{}", ErrInvalidPayload},
		{"ack id not a number", `2abc["a"]`, ErrInvalidPayload},
		{"event without payload", "2", ErrInvalidPayload},
		{"empty event array", "2[]", ErrInvalidPayload},
		{"numeric event name", "2[1]", ErrInvalidPayload},
		{"reserved event", `2["disconnect"]`, ErrReservedEvent},
		{"reserved event escaped", `2["\u0063onnect"]`, ErrReservedEvent},
		{"connect payload not an object", `0[]`, ErrInvalidPayload},
		{"connect payload a string", `0"a"`, ErrInvalidPayload},
		{"disconnect with payload", `1{}`, ErrInvalidPayload},
		{"connect error a literal", `4true`, ErrInvalidPayload},
		{"ack not an array", `31{}`, ErrInvalidPayload},
		{"invalid json", `2["a"`, ErrInvalidPayload},
		{"trailing garbage", `2["a"]x`, ErrInvalidPayload},
		{"ack id too large", `29007199254740992["e"]`, ErrInvalidAckID},
		{"attachments missing dash", `51["a"]`, ErrIllegalAttachments},
		{"attachments zero", `50-["a"]`, ErrIllegalAttachments},
		{"attachments not digits", `5x-["a"]`, ErrIllegalAttachments},
		{"too many attachments", `511-["a"]`, ErrTooManyAttachments},
		{"huge attachment count", `599999999999999999999-["a"]`, ErrTooManyAttachments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, _, err := DecodeText([]byte(tt.in), 0); !errors.Is(err, tt.wantErr) {
				t.Errorf("DecodeText(%q) = %+v, %v; want error %v", tt.in, p, err, tt.wantErr)
			}
		})
	}
}

func TestDecoderBinary(t *testing.T) {
	tests := []struct {
		name string
		msgs []Message
		want Packet
		wire string // AppendPacket of want
	}{
		{
			name: "binary event",
			msgs: []Message{{Data: []byte(`51-["baz",{"_placeholder":true,"num":0}]`)}, {Data: []byte{1, 2, 3, 4}, Binary: true}},
			want: Packet{Type: Event, Data: []byte(`["baz",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3, 4}}},
			wire: `51-["baz",{"_placeholder":true,"num":0}]`,
		},
		{
			name: "binary event custom namespace with ack",
			msgs: []Message{{Data: []byte(`51-/admin,14["baz",{"_placeholder":true,"num":0}]`)}, {Data: []byte{1, 2}, Binary: true}},
			want: Packet{Type: Event, Namespace: "/admin", ID: 14, HasID: true, Data: []byte(`["baz",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2}}},
			wire: `51-/admin,14["baz",{"_placeholder":true,"num":0}]`,
		},
		{
			name: "binary ack",
			msgs: []Message{{Data: []byte(`61-/admin,15[{"_placeholder":true,"num":0}]`)}, {Data: []byte{3}, Binary: true}},
			want: Packet{Type: Ack, Namespace: "/admin", ID: 15, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{3}}},
			wire: `61-/admin,15[{"_placeholder":true,"num":0}]`,
		},
		{
			name: "two attachments, nested placeholder",
			msgs: []Message{{Data: []byte(`452-789["m",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]`[1:])}, {Data: []byte{1, 2, 3}, Binary: true}, {Data: []byte{4, 5, 6}, Binary: true}},
			want: Packet{Type: Event, ID: 789, HasID: true, Data: []byte(`["m",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3}, {4, 5, 6}}},
			wire: `52-789["m",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			for i, m := range tt.msgs {
				p, done, err := d.Add(m.Data, m.Binary)
				if err != nil {
					t.Fatalf("Add(message %d) error: %v", i, err)
				}
				if done != (i == len(tt.msgs)-1) {
					t.Fatalf("Add(message %d) done = %v", i, done)
				}
				if done && !samePacket(p, tt.want) {
					t.Errorf("decoded %+v, want %+v", p, tt.want)
				}
			}
			if d.Pending() {
				t.Error("decoder still pending")
			}
			msgs := JSON.Encode(&tt.want)
			if string(msgs[0].Data) != tt.wire || len(msgs) != 1+len(tt.want.Attachments) {
				t.Errorf("Encode = %q (+%d), want %q", msgs[0].Data, len(msgs)-1, tt.wire)
			}
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	tests := []struct {
		name    string
		msgs    []Message
		wantErr error
	}{
		{"binary first", []Message{{Data: []byte{1}, Binary: true}}, ErrUnexpectedBinary},
		{"text while reassembling", []Message{{Data: []byte(`51-["a",{"_placeholder":true,"num":0}]`)}, {Data: []byte(`2["a"]`)}}, ErrUnexpectedText},
		{"placeholder out of range", []Message{{Data: []byte(`51-["a",{"_placeholder":true,"num":1}]`)}, {Data: []byte{1}, Binary: true}}, ErrIllegalAttachments},
		{"placeholder negative", []Message{{Data: []byte(`51-["a",{"_placeholder":true,"num":-1}]`)}, {Data: []byte{1}, Binary: true}}, ErrIllegalAttachments},
		{"placeholder num not a number", []Message{{Data: []byte(`51-["a",{"_placeholder":true,"num":"0"}]`)}, {Data: []byte{1}, Binary: true}}, ErrIllegalAttachments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			var err error
			for _, m := range tt.msgs {
				if _, _, err = d.Add(m.Data, m.Binary); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if d.Pending() {
				t.Error("decoder not reset after error")
			}
		})
	}
}

func TestEventName(t *testing.T) {
	for in, want := range map[string]string{`["a"]`: "a", `["\u00e9v",1]`: "év", ` [ "x" ] `: "x"} {
		if got, err := EventName([]byte(in)); err != nil || got != want {
			t.Errorf("EventName(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := EventName([]byte(`[1]`)); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("EventName([1]) error = %v", err)
	}
}

func TestSplitArray(t *testing.T) {
	got, err := SplitArray([]byte(` ["a", 1 ,{"b":[2,3]},null, "x\"y"] `))
	want := []string{`"a"`, `1`, `{"b":[2,3]}`, `null`, `"x\"y"`}
	if err != nil || len(got) != len(want) {
		t.Fatalf("SplitArray = %q, %v", got, err)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("SplitArray[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := SplitArray([]byte(`[]`)); err != nil || len(got) != 0 {
		t.Errorf("SplitArray([]) = %q, %v", got, err)
	}
	for _, bad := range []string{`{}`, `[1,]`, `[`, ``} {
		if _, err := SplitArray([]byte(bad)); err == nil {
			t.Errorf("SplitArray(%q) accepted", bad)
		}
	}
}

func TestEncodeEvent(t *testing.T) {
	tests := []struct {
		nsp, name string
		args      []string
		want      string
	}{
		{"/", "relay", []string{`"1732245600123456789|42|7|xxxx"`}, `2["relay","1732245600123456789|42|7|xxxx"]`},
		{"/chat", "msg", []string{`{"b":1,"a":2}`, `[true]`}, `2/chat,["msg",{"b":1,"a":2},[true]]`},
		{"", "tick", nil, `2["tick"]`},
		{"/", "quote\"d\n", nil, `2["quote\"d\n"]`},
	}
	for _, tt := range tests {
		args := make([][]byte, len(tt.args))
		for i, a := range tt.args {
			args[i] = []byte(a)
		}
		got := EncodeEvent(tt.nsp, tt.name, rawArgs(args)...)
		if string(got) != tt.want {
			t.Errorf("EncodeEvent(%q, %q) = %s, want %s", tt.nsp, tt.name, got, tt.want)
		}
		if cap(got) < len(got) || len(got) > EventLen(tt.nsp, tt.name, rawArgs(args)...) {
			t.Errorf("EventLen too small for %s", got)
		}
	}
}

func TestMaxAttachmentsOption(t *testing.T) {
	d := Decoder{MaxAttachments: 20}
	if _, _, err := d.Add([]byte(`520-["a"]`), false); err != nil {
		t.Errorf("20 attachments with MaxAttachments 20: %v", err)
	}
	if _, _, err := DecodeText([]byte(`5`+strings.Repeat("9", 3)+`-["a"]`), 1000); err != nil {
		t.Errorf("999 attachments with limit 1000: %v", err)
	}
}

func TestPacketTypeString(t *testing.T) {
	if BinaryAck.String() != "BINARY_ACK" || PacketType(9).String() != "UNKNOWN" {
		t.Errorf("String() = %s, %s", BinaryAck, PacketType(9))
	}
}
