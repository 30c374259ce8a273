package actorio

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
)

// A Value decoded from an argument encodes back to the bytes received,
// with both parsers: key order, binary, number forms and string escapes
// as the official parsers write them.
func TestValueRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    codec
		in   string // JSON, or msgpack in hex
		atts [][]byte
	}{
		{"json order and attachments", jsonCodec{},
			`{"b":{"_placeholder":true,"num":0},"z":1,"a":[{"_placeholder":true,"num":1},"x",{"y":true,"c":null,"n":-1.5}]}`,
			[][]byte{{1, 2, 3}, {4, 5}}},
		{"json numbers", jsonCodec{}, `[0,-1,1.5,9007199254740993,18446744073709551615,1e+21,1e-7,-0.25]`, nil},
		{"json strings", jsonCodec{}, `["a\"b\n\u0001","é` + "\u2028" + `","</>"]`, nil}, // as JSON.stringify escapes
		{"json empty", jsonCodec{}, `[{},[],null,true,false,""]`, nil},
		{"json repeated binary", jsonCodec{}, `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`, [][]byte{{7}}},
		{"msgpack order and bin", msgpackCodec{}, "83a162c403010203a17a01a16192c4020405a178", nil},
		{"msgpack numbers", msgpackCodec{}, "97ffd09cccc8ce00011170d2fffeee90cb3ff8000000000000cf0000010000000000", nil},
		{"msgpack scalars", msgpackCodec{}, "94c0c3c2a3616263", nil},
		{"msgpack empty", msgpackCodec{}, "9280a0", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.in)
			if _, ok := tt.c.(msgpackCodec); ok {
				var err error
				if raw, err = hex.DecodeString(tt.in); err != nil {
					t.Fatal(err)
				}
			}
			var v Value
			if err := (Args{raw: [][]byte{raw}, atts: tt.atts, codec: tt.c}).Decode(0, &v); err != nil {
				t.Fatalf("Decode(%q) error %v", tt.in, err)
			}
			data, atts, err := tt.c.encode("", []any{v})
			if err != nil {
				t.Fatalf("encode(Decode(%q)) error %v", tt.in, err)
			}
			want := append(append([]byte("["), raw...), ']')
			if _, ok := tt.c.(msgpackCodec); ok {
				want = append([]byte{0x91}, raw...)
			}
			// Repeated binary is written once per place, as Node's deconstructPacket does.
			wantAtts := tt.atts
			if tt.name == "json repeated binary" {
				want = []byte(`[[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]]`)
				wantAtts = [][]byte{{7}, {7}}
			}
			if !bytes.Equal(data, want) || !reflect.DeepEqual(atts, wantAtts) {
				t.Errorf("encode(Decode(%q)) = %q %v, want %q %v", tt.in, data, atts, want, wantAtts)
			}
		})
	}
}

// A Value nested after other binary gets its attachments renumbered.
func TestValueNestedAttachments(t *testing.T) {
	var v Value
	args := Args{raw: [][]byte{[]byte(`{"b":{"_placeholder":true,"num":0}}`)}, atts: [][]byte{{1}}, codec: jsonCodec{}}
	if err := args.Decode(0, &v); err != nil {
		t.Fatal(err)
	}
	data, atts, err := jsonCodec{}.encode("ev", []any{[]byte{9}, map[string]any{"v": v, "m": v.Map()}})
	want := `["ev",{"_placeholder":true,"num":0},{"m":{"b":{"_placeholder":true,"num":1}},"v":{"b":{"_placeholder":true,"num":2}}}]`
	if string(data) != want || !reflect.DeepEqual(atts, [][]byte{{9}, {1}, {1}}) || err != nil {
		t.Errorf("encode = %s %v %v, want %s [[9] [1] [1]]", data, atts, err, want)
	}
}

func TestValueAccessors(t *testing.T) {
	var v Value
	raw := `{"s":"text","t":true,"i":-3,"f":1.5,"big":9223372036854775808,"n":null,"a":[1,{"_placeholder":true,"num":0}],"o":{"y":1,"x":2}}`
	if err := (Args{raw: [][]byte{[]byte(raw)}, atts: [][]byte{{0xab}}, codec: jsonCodec{}}).Decode(0, &v); err != nil {
		t.Fatal(err)
	}
	m := v.Map()
	var order []string
	for k := range m.All() {
		order = append(order, k)
	}
	i, iok := m.Get("i").Int()
	_, fok := m.Get("f").Int()
	_, bigok := m.Get("big").Int()
	for _, tt := range []struct {
		expr string
		got  any
		want any
	}{
		{"Kind", v.Kind(), KindObject},
		{"Keys", m.Keys(), []string{"s", "t", "i", "f", "big", "n", "a", "o"}},
		{"All order", order, m.Keys()},
		{"Len", m.Len(), 8},
		{"Get(s).String", m.Get("s").String(), "text"},
		{"Get(t).Bool", m.Get("t").Bool(), true},
		{"Get(i).Int", fmt.Sprint(i, iok), "-3 true"},
		{"Get(f).Int ok", fok, false},
		{"Get(big).Int ok", bigok, false},
		{"Get(big).Float", m.Get("big").Float(), 9223372036854775808.0},
		{"Get(f).Float", m.Get("f").Float(), 1.5},
		{"Get(n).IsNull", m.Get("n").IsNull(), true},
		{"Has(n)", m.Has("n"), true},
		{"Has(missing)", m.Has("missing"), false},
		{"Get(missing).IsNull", m.Get("missing").IsNull(), true},
		{"Get(a).Array()[1].Bytes", m.Get("a").Array()[1].Bytes(), []byte{0xab}},
		{"Get(a).Array()[1].Kind", m.Get("a").Array()[1].Kind().String(), "binary"},
		{"Get(o).Map().Keys", m.Get("o").Map().Keys(), []string{"y", "x"}},
		{"Get(o).String", m.Get("o").String(), `{"y":1,"x":2}`},
		{"Get(a).String", m.Get("a").String(), `[1,"qw=="]`},
		{"Get(s).Array", m.Get("s").Array(), []Value(nil)},
		{"Get(s).Map().Len", m.Get("s").Map().Len(), 0},
		{"Get(s).Bytes", m.Get("s").Bytes(), []byte(nil)},
		{"Get(s).Float", m.Get("s").Float(), 0.0},
		{"zero Value", fmt.Sprint(Value{}.Kind(), Value{}.IsNull(), Value{}), "null true null"},
		{"zero Map", fmt.Sprint(Map{}.Len(), Map{}.Keys(), Map{}.Has("x"), Map{}.Get("x").IsNull()), "0 [] false true"},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.expr, tt.got, tt.want)
		}
	}
}

// json.Marshal of a Value keeps its key order and writes binary as
// encoding/json writes []byte; json.Unmarshal keeps the order.
func TestValueJSON(t *testing.T) {
	var v Value
	if err := json.Unmarshal([]byte(`{"z":[1,"x"],"a":{"q":null}}`), &v); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(map[string]any{"v": v, "m": v.Map().Get("a").Map(), "zero": Map{}})
	if want := `{"m":{"q":null},"v":{"z":[1,"x"],"a":{"q":null}},"zero":{}}`; string(got) != want || err != nil {
		t.Errorf("json.Marshal = %s %v, want %s", got, err, want)
	}
}

// Decode into an any gives the same Go values with both parsers: numbers
// are float64 whatever msgpack form carried them (issue 12 item 5); typed
// targets still get exact integers.
func TestDecodeAlikeWithBothParsers(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   any
		want any
	}{
		{"small int", 1, 1.0},
		{"negative int8", int8(-100), -100.0},
		{"uint16", uint16(60000), 60000.0},
		{"int64", int64(1) << 40, float64(1 << 40)},
		{"uint64", uint64(1) << 63, float64(1 << 63)},
		{"float", 1.5, 1.5},
		{"nested", map[string]any{"n": 200, "a": []any{-1, 0.5}}, map[string]any{"n": 200.0, "a": []any{-1.0, 0.5}}},
		{"binary", []byte{1, 2}, "AQI="},
	} {
		for _, c := range []codec{jsonCodec{}, msgpackCodec{}} {
			args := encodedArgs(t, c, tt.in)
			var got any
			if err := args.Decode(0, &got); err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%T: Decode(%v) into any = %#v %v, want %#v", c, tt.in, got, err, tt.want)
			}
		}
	}
	for _, c := range []codec{jsonCodec{}, msgpackCodec{}} {
		var i8 int8
		var u64 uint64
		var s struct{ N int64 }
		err := errors.Join(encodedArgs(t, c, int8(-100)).Decode(0, &i8), encodedArgs(t, c, uint64(math.MaxUint64)).Decode(0, &u64),
			encodedArgs(t, c, map[string]any{"N": int64(math.MinInt64)}).Decode(0, &s))
		if i8 != -100 || u64 != math.MaxUint64 || s.N != math.MinInt64 || err != nil {
			t.Errorf("%T: typed Decode = %d %d %d %v, want -100 %d %d", c, i8, u64, s.N, err, uint64(math.MaxUint64), int64(math.MinInt64))
		}
	}
}

// encodedArgs is x as one received argument of c's parser.
func encodedArgs(t *testing.T, c codec, x any) Args {
	t.Helper()
	data, atts, err := c.encode("", []any{x})
	if err != nil {
		t.Fatalf("encode(%v): %v", x, err)
	}
	raw, err := c.split(data)
	if err != nil {
		t.Fatalf("split(%q): %v", data, err)
	}
	return Args{raw: raw, atts: atts, codec: c}
}

func TestAckRequested(t *testing.T) {
	var none Ack
	if none.Requested() || !errors.Is(none.Send("x"), ErrNoAck) {
		t.Errorf("zero Ack: Requested() = %v, Send = %v, want false, ErrNoAck", none.Requested(), none.Send("x"))
	}
	var sent [][]any
	bad := errors.New("cannot encode")
	ack := newAck(func(args []any) error {
		if args[0] == "bad" {
			return bad
		}
		sent = append(sent, args)
		return nil
	})
	first := ack.Requested()
	err0, err1, err2 := ack.Send("bad"), ack.Send(1, "a"), ack.Send(2)
	if !first || !ack.Requested() || err0 != bad || err1 != nil || !errors.Is(err2, ErrAckSent) || !slices.EqualFunc(sent, [][]any{{1, "a"}}, slices.Equal) {
		t.Errorf("Ack: Requested() = %v then %v, Send = %v, %v then %v, sent %v; want true, true, %v, nil, ErrAckSent, [[1 a]]",
			first, ack.Requested(), err0, err1, err2, sent, bad)
	}
}

// A handshake read from JSON (a remote socket's) has no raw payload:
// DecodeAuth reads its JSON.
func TestHandshakeDecodeAuth(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    Handshake
		want string
	}{
		{"from JSON", unmarshalHandshake(t, `{"auth":{"z":1,"a":"x"}}`), `{"z":1,"a":"x"} x`},
		{"no auth", Handshake{}, `{} `},
		{"msgpack", Handshake{Auth: json.RawMessage(`{"z":1,"a":"AQ=="}`), auth: []byte("\x82\xa1z\x01\xa1a\xc4\x01\x01"), codec: msgpackCodec{}},
			`{"z":1,"a":"AQ=="} AQ==`},
	} {
		var v Value
		var s struct{ A string }
		err := errors.Join(tt.h.DecodeAuth(&v), tt.h.DecodeAuth(&s))
		if got := v.String() + " " + s.A; got != tt.want || err != nil {
			t.Errorf("%s: DecodeAuth = %s %v, want %s", tt.name, got, err, tt.want)
		}
	}
}

func unmarshalHandshake(t *testing.T, s string) Handshake {
	t.Helper()
	var h Handshake
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// A handler may declare Value parameters: they are decoded exactly.
func TestHandlerValueParameter(t *testing.T) {
	var keys []string
	var bin []byte
	h, err := newHandler(func(v Value, b Value, _ Ack) { keys, bin = v.Map().Keys(), b.Bytes() })
	if err != nil {
		t.Fatal(err)
	}
	args := Args{raw: [][]byte{[]byte(`{"z":1,"a":2}`), []byte(`{"_placeholder":true,"num":0}`)}, atts: [][]byte{{5}}, codec: jsonCodec{}}
	if err := h.call("ev", args, Ack{}); err != nil || !slices.Equal(keys, []string{"z", "a"}) || !bytes.Equal(bin, []byte{5}) {
		t.Errorf("call(Value, Value) = %v, keys %q, binary %v; want nil, [z a], [5]", err, keys, bin)
	}
}
