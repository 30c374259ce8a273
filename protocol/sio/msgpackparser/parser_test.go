package msgpackparser

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/actorio/actorio/protocol/sio"
	"github.com/vmihailenco/msgpack/v5"
)

func mp(t testing.TB, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Wire bytes written out by hand from the msgpack spec, as notepack.io
// encodes the same objects (checked against it in the cross-check test).
func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		p    sio.Packet
		hex  string
	}{
		{"connect main", sio.Packet{Type: sio.Connect, Namespace: "/"},
			"82" + "a474797065" + "00" + "a36e7370" + "a12f"},
		{"event with ack", sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte{0x91, 0xa3, 'f', 'o', 'o'}, ID: 12, HasID: true},
			"84" + "a474797065" + "02" + "a464617461" + "91a3666f6f" + "a36e7370" + "a12f" + "a26964" + "0c"},
		{"binary ack custom", sio.Packet{Type: sio.BinaryAck, Namespace: "/admin", Data: []byte{0x91, 0xc4, 0x02, 1, 2}, ID: 300, HasID: true},
			"84" + "a474797065" + "03" + "a464617461" + "91c4020102" + "a36e7370" + "a62f61646d696e" + "a26964" + "cd012c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parser.Encode(&tt.p)
			if len(got) != 1 || !got[0].Binary || hex.EncodeToString(got[0].Data) != tt.hex {
				t.Fatalf("Encode(%+v) = %x, want %s", tt.p, got[0].Data, tt.hex)
			}
			back, err := Decode(got[0].Data)
			want := tt.p
			if want.Type == sio.BinaryAck {
				want.Type = sio.Ack
			}
			if err != nil || back.Type != want.Type || back.Namespace != want.Namespace || back.ID != want.ID || back.HasID != want.HasID || !bytes.Equal(back.Data, want.Data) {
				t.Errorf("Decode(%x) = %+v, %v; want %+v", got[0].Data, back, err, want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	undefined := msgpack.RawMessage{0xd4, 0, 0}
	tests := []struct {
		name    string
		in      any
		want    sio.Packet
		wantErr error
	}{
		{"connect with auth", map[string]any{"type": 0, "nsp": "/", "data": map[string]any{"token": "123"}},
			sio.Packet{Type: sio.Connect, Namespace: "/"}, nil},
		{"keys in any order", []any{"nsp", "/chat", "id", 7, "type", 2, "data", []any{"msg", 1}},
			sio.Packet{Type: sio.Event, Namespace: "/chat", ID: 7, HasID: true}, nil},
		{"undefined id", map[string]any{"type": 3, "nsp": "/", "data": []any{}, "id": undefined},
			sio.Packet{Type: sio.Ack, Namespace: "/"}, nil},
		{"extra keys ignored", map[string]any{"type": 1, "nsp": "/", "x": 1},
			sio.Packet{Type: sio.Disconnect, Namespace: "/"}, nil},
		{"type 5 refused", map[string]any{"type": 5, "nsp": "/", "data": []any{"a"}}, sio.Packet{}, ErrInvalidType},
		{"type a string", map[string]any{"type": "2", "nsp": "/", "data": []any{"a"}}, sio.Packet{}, ErrInvalidType},
		{"type missing", map[string]any{"nsp": "/"}, sio.Packet{}, ErrInvalidType},
		{"nsp missing", map[string]any{"type": 2, "data": []any{"a"}}, sio.Packet{}, ErrInvalidNamespace},
		{"nsp a number", map[string]any{"type": 2, "nsp": 1, "data": []any{"a"}}, sio.Packet{}, ErrInvalidNamespace},
		{"event data not an array", map[string]any{"type": 2, "nsp": "/", "data": map[string]any{}}, sio.Packet{}, ErrInvalidPayload},
		{"event name a number", map[string]any{"type": 2, "nsp": "/", "data": []any{1}}, sio.Packet{}, ErrInvalidPayload},
		{"reserved event", map[string]any{"type": 2, "nsp": "/", "data": []any{"connect"}}, sio.Packet{}, sio.ErrReservedEvent},
		{"connect data an array", map[string]any{"type": 0, "nsp": "/", "data": []any{}}, sio.Packet{}, ErrInvalidPayload},
		{"disconnect with data", map[string]any{"type": 1, "nsp": "/", "data": map[string]any{}}, sio.Packet{}, ErrInvalidPayload},
		{"connect error a number", map[string]any{"type": 4, "nsp": "/", "data": 1}, sio.Packet{}, ErrInvalidPayload},
		{"id a string", map[string]any{"type": 2, "nsp": "/", "data": []any{"a"}, "id": "1"}, sio.Packet{}, ErrInvalidID},
		{"id negative", map[string]any{"type": 2, "nsp": "/", "data": []any{"a"}, "id": -1}, sio.Packet{}, ErrInvalidID},
		{"not a map", []int{1}, sio.Packet{}, ErrInvalidMsgpack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []byte
			if kv, ok := tt.in.([]any); ok && len(kv)%2 == 0 && tt.wantErr == nil {
				in = orderedMap(t, kv)
			} else {
				in = mp(t, tt.in)
			}
			got, err := Decode(in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decode(%x) error = %v, want %v", in, err, tt.wantErr)
			}
			if err == nil && (got.Type != tt.want.Type || got.Namespace != tt.want.Namespace || got.ID != tt.want.ID || got.HasID != tt.want.HasID) {
				t.Errorf("Decode(%x) = %+v, want %+v", in, got, tt.want)
			}
		})
	}
}

// orderedMap encodes key/value pairs as a msgpack map in the given order.
func orderedMap(t *testing.T, kv []any) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := enc.EncodeMapLen(len(kv) / 2); err != nil {
		t.Fatal(err)
	}
	for _, v := range kv {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"deep nesting", append([]byte{0x81, 0xa4, 'd', 'a', 't', 'a'}, bytes.Repeat([]byte{0x91}, 100000)...)},
		{"array claims 4 billion elements", []byte{0x81, 0xa4, 'd', 'a', 't', 'a', 0xdd, 0xff, 0xff, 0xff, 0xff}},
		{"string longer than the input", []byte{0x81, 0xa3, 'n', 's', 'p', 0xdb, 0x7f, 0xff, 0xff, 0xff}},
		{"reserved code", []byte{0xc1}},
		{"trailing bytes", append(mp(t, map[string]any{"type": 1, "nsp": "/"}), 0)},
		{"empty", nil},
		{"text", []byte(`2["a"]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := Decode(tt.in); err == nil {
				t.Errorf("Decode(%.40x) = %+v, want an error", tt.in, p)
			}
		})
	}
	if _, _, err := Parser.NewDecoder(0).Add([]byte("2"), false); !errors.Is(err, ErrTextMessage) {
		t.Errorf("Add(text) error = %v, want %v", err, ErrTextMessage)
	}
}

func TestSplitArrayAndEventName(t *testing.T) {
	data := mp(t, []any{"msg", 1, map[string]any{"a": []byte{1}}, strings.Repeat("x", 300)})
	elems, err := SplitArray(data)
	if err != nil || len(elems) != 4 {
		t.Fatalf("SplitArray = %d, %v", len(elems), err)
	}
	var s string
	if err := msgpack.Unmarshal(elems[3], &s); err != nil || len(s) != 300 {
		t.Errorf("element 3 = %q, %v", s, err)
	}
	if name, err := EventName(data); err != nil || name != "msg" {
		t.Errorf("EventName = %q, %v", name, err)
	}
	if _, err := SplitArray(mp(t, map[string]int{})); err == nil {
		t.Error("SplitArray(map) accepted")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(mp(f, map[string]any{"type": 2, "nsp": "/", "data": []any{"a", []byte{1}}, "id": 3}))
	f.Add(mp(f, map[string]any{"type": 0, "nsp": "/x", "data": map[string]any{"t": 1.5}}))
	f.Add([]byte{0x81, 0xa4, 'd', 'a', 't', 'a', 0x91, 0x91, 0x91})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(in)
		if w, ok := (decoder{}).Whole(in, true); ok != (err == nil) || ok && (w.Type != p.Type || !bytes.Equal(w.Data, p.Data)) {
			t.Fatalf("Whole(%x) = %+v, %v; Decode = %+v, %v", in, w, ok, p, err)
		}
		if err != nil {
			return
		}
		enc := Append(nil, &p)
		q, err := Decode(enc)
		if err != nil || q.Type != p.Type || q.Namespace != p.Namespace || q.ID != p.ID || q.HasID != p.HasID || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("round trip of %x: %+v, %v; want %+v", in, q, err, p)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	p := sio.Packet{Type: sio.Event, Namespace: "/", Data: mp(b, []any{"relay", strings.Repeat("x", 80)})}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], &p)
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	out := Append([]byte("prefix"), &sio.Packet{Type: sio.Disconnect, Namespace: "/"})
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatalf("Append lost the prefix: %x", out)
	}
	if _, err := Decode(out[len("prefix"):]); err != nil {
		t.Errorf("Decode(Append) = %v", err)
	}
}
