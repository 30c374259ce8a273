package value

import (
	"bytes"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
)

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		data string
		atts [][]byte
	}{
		{"order kept", `["ev",{"z":1,"a":[true,null,1.5,-3],"m":"é"}]`, nil},
		{"placeholder", `["ev",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`, [][]byte{{1, 2}, {3}}},
		{"big integers", `[9007199254740993,18446744073709551615,-9223372036854775808]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := FromData(adapter.FormatJSON, []byte(tt.data), tt.atts)
			if err != nil {
				t.Fatalf("FromData: %v", err)
			}
			mp, err := MarshalAny(vals)
			if err != nil {
				t.Fatalf("MarshalAny: %v", err)
			}
			back, err := UnmarshalAny(mp)
			if err != nil {
				t.Fatalf("UnmarshalAny: %v", err)
			}
			data, atts, err := ToData(adapter.FormatJSON, back.([]any))
			if err != nil {
				t.Fatalf("ToData: %v", err)
			}
			if string(data) != tt.data || len(atts) != len(tt.atts) {
				t.Fatalf("round trip = %s (%d atts), want %s (%d atts)", data, len(atts), tt.data, len(tt.atts))
			}
			for i := range atts {
				if !bytes.Equal(atts[i], tt.atts[i]) {
					t.Errorf("attachment %d = %v, want %v", i, atts[i], tt.atts[i])
				}
			}
		})
	}
}

func TestBufferJSON(t *testing.T) {
	b, err := V{[]any{[]byte{1, 255}, "x"}}.MarshalJSON()
	if err != nil || string(b) != `[{"type":"Buffer","data":[1,255]},"x"]` {
		t.Fatalf("MarshalJSON = %s, %v", b, err)
	}
	var v V
	if err := v.UnmarshalJSON(b); err != nil || !bytes.Equal(v.Any.([]any)[0].([]byte), []byte{1, 255}) {
		t.Fatalf("UnmarshalJSON(%s) = %#v, %v", b, v.Any, err)
	}
}

// notepack.io's extension 0 is told apart by its form, as notepack reads
// it: an ArrayBuffer is always an ext 8/16/32, undefined a fixext 1 and a
// Date a fixext 8.
func TestNotepackExtensions(t *testing.T) {
	for _, tt := range []struct {
		name, in string // hex, as notepack.encode writes it
		want     any
	}{
		{"8-byte ArrayBuffer", "c708000102030405060708", []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{"1-byte ArrayBuffer", "c7010009", []byte{9}},
		{"2-byte ArrayBuffer", "c702000102", []byte{1, 2}},
		{"empty ArrayBuffer", "c70000", []byte{}},
		{"Date", "d7000000000000000000", "1970-01-01T00:00:00.000Z"},
		{"undefined", "d40000", nil},
		{"96-bit timestamp", "c70cff00000000000000000000003c", "1970-01-01T00:01:00.000Z"},
	} {
		b, _ := hex.DecodeString(tt.in)
		got, err := UnmarshalAny(b)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: UnmarshalAny(%s) = %#v, %v, want %#v", tt.name, tt.in, got, err, tt.want)
		}
	}
	if _, err := UnmarshalAny([]byte{0xc7, 0x01, 0x05, 0x00}); err == nil {
		t.Error("UnmarshalAny(ext 8 of type 5) = nil error")
	}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{`[`, `[1]x`, `{"a":}`, `"\xff"`} {
		if _, err := ParseJSON([]byte(in), nil, false); err == nil {
			t.Errorf("ParseJSON(%q) = nil error", in)
		}
	}
	for _, in := range []string{"", "91", "81a161", "d4ff00"} {
		b, _ := hex.DecodeString(in)
		if _, err := UnmarshalAny(b); err == nil {
			t.Errorf("UnmarshalAny(%s) = nil error", in)
		}
	}
	deep := bytes.Repeat([]byte{0x91}, MaxDepth+2)
	if _, err := UnmarshalAny(append(deep, 0xc0)); err == nil {
		t.Error("UnmarshalAny(too deep) = nil error")
	}
}

// TestNotepack reads what notepack.io (the Redis adapter's msgpack) writes
// and checks notepack reads ours back the same.
func TestNotepack(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found")
	}
	root, _ := filepath.Abs("../..")
	script := `const np = require("notepack.io");
const v = ["uid", {type: 2, data: ["ev", Buffer.from([1,2]), {b: 1, a: undefined, n: 1.5, big: 4294967296, neg: -70000}], nsp: "/"}, {rooms: ["r"], except: [], flags: {}}];
process.stdout.write(np.encode(v).toString("hex") + "\n");
const back = np.decode(Buffer.from(process.argv[1], "hex"));
process.stdout.write(JSON.stringify(back));`
	want := []any{"uid", &Map{Keys: []string{"type", "data", "nsp"}, Values: []any{int64(2), []any{"ev", []byte{1, 2}, &Map{Keys: []string{"b", "a", "n", "big", "neg"}, Values: []any{int64(1), nil, 1.5, int64(4294967296), int64(-70000)}}}, "/"}},
		&Map{Keys: []string{"rooms", "except", "flags"}, Values: []any{[]any{"r"}, []any{}, &Map{}}}}
	ours, err := MarshalAny(want)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", script, hex.EncodeToString(ours))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v: %s", err, out)
	}
	lines := bytes.SplitN(out, []byte("\n"), 2)
	theirs, _ := hex.DecodeString(string(lines[0]))
	got, err := UnmarshalAny(theirs)
	if err != nil {
		t.Fatalf("UnmarshalAny(notepack) = %v", err)
	}
	gotJSON, _, _ := AppendJSON(nil, got, nil, false)
	wantJSON, _, _ := AppendJSON(nil, want, nil, false)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("notepack's bytes read as %s, want %s", gotJSON, wantJSON)
	}
	if string(lines[1]) != `["uid",{"type":2,"data":["ev",{"type":"Buffer","data":[1,2]},{"b":1,"a":null,"n":1.5,"big":4294967296,"neg":-70000}],"nsp":"/"},{"rooms":["r"],"except":[],"flags":{}}]` {
		t.Errorf("notepack read ours as %s", lines[1])
	}
}

func TestPacket(t *testing.T) {
	for _, f := range []adapter.Format{adapter.FormatJSON, adapter.FormatMsgpack} {
		data, atts, _ := ToData(f, []any{"ev", []byte{9}})
		p := &sio.Packet{Type: sio.Event, Namespace: "/chat", Data: data, Attachments: atts}
		cp, err := FromPacket(f, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Marshal(cp)
		if err != nil {
			t.Fatal(err)
		}
		var back Packet
		if err := Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		sp, err := back.SIO(f)
		if err != nil || sp.Namespace != "/chat" || !bytes.Equal(sp.Data, data) || len(sp.Attachments) != len(atts) {
			t.Errorf("format %d: packet round trip = %+v, %v", f, sp, err)
		}
	}
}
