package msgpackparser

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The msgpack forms, checked against the msgpack library's compact
// encoder (the spec's smallest form, as notepack.io writes them).
func TestAppendValueForms(t *testing.T) {
	type form struct {
		name string
		v    any
	}
	var forms []form
	for _, i := range []int64{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64} {
		forms = append(forms, form{fmt.Sprint("int ", i), i})
	}
	forms = append(forms, form{"max uint64", uint64(math.MaxUint64)}, form{"true", true}, form{"false", false},
		form{"nil", nil}, form{"1.5", 1.5}, form{"-0.25", -0.25}, form{"1e300", 1e300})
	for _, n := range []int{0, 31, 32, 255, 256, 65535, 65536} {
		forms = append(forms, form{fmt.Sprint("string of ", n), strings.Repeat("s", n)},
			form{fmt.Sprint("bytes of ", n), bytes.Repeat([]byte{7}, n)})
	}
	for _, n := range []int{0, 15, 16, 65535, 65536} {
		forms = append(forms, form{fmt.Sprint("array of ", n), make([]int, n)})
	}
	for _, f := range forms {
		var want bytes.Buffer
		enc := msgpack.NewEncoder(&want)
		enc.UseCompactInts(true)
		if err := enc.Encode(f.v); err != nil {
			t.Fatal(err)
		}
		got, err := AppendValue([]byte("prefix"), f.v)
		if err != nil || !bytes.Equal(got[len("prefix"):], want.Bytes()) {
			t.Errorf("AppendValue(%s) = %.20x, %v; want %.20x", f.name, got[len("prefix"):], err, want.Bytes())
		}
	}
	// Maps: keys sorted, as encoding/json writes them.
	for _, n := range []int{0, 15, 16, 65535, 65536} {
		m := map[string]int{}
		var want bytes.Buffer
		enc := msgpack.NewEncoder(&want)
		enc.UseCompactInts(true)
		_ = enc.EncodeMapLen(n)
		for i := range n {
			k := fmt.Sprintf("k%06d", i)
			m[k] = i
			_ = enc.EncodeString(k)
			_ = enc.EncodeInt(int64(i))
		}
		if got, err := AppendValue(nil, m); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("AppendValue(map of %d) = %.20x, %v; want %.20x", n, got, err, want.Bytes())
		}
	}
}

// Types that exercise encoding/json's rules.

type ptrMarshaler struct{ v string }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("ptr:" + p.v) }

type onlyJSON struct{ hidden int }

func (o onlyJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"hidden":` + strconv.Itoa(o.hidden) + `,"list":[1,2.5,"x"]}`), nil
}

// bothMarshalers has MarshalJSON on its pointer, MarshalText on its value:
// encoding/json uses the first when the value is addressable.
type bothMarshalers struct{ v string }

func (b *bothMarshalers) MarshalJSON() ([]byte, error) { return json.Marshal("json:" + b.v) }
func (b bothMarshalers) MarshalText() ([]byte, error)  { return []byte("text:" + b.v), nil }

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "/" + k.b), nil }

type Base struct {
	ID   string `json:"id"`
	Name string
}

type rules struct {
	*Base
	Name    string            `json:"name"`
	Empty   struct{ X int }   `json:"empty,omitempty"`
	Omitted string            `json:"omitted,omitempty"`
	When    time.Time         `json:"when"`
	Never   time.Time         `json:"never,omitzero"`
	Count   int               `json:"count,string"`
	Ratio   float32           `json:"ratio"`
	Label   string            `json:"label,string"`
	Mine    ptrMarshaler      `json:"mine"`
	Both    bothMarshalers    `json:"both"`
	Only    onlyJSON          `json:"only"`
	Big     *big.Int          `json:"big"`
	Addr    netip.Addr        `json:"addr"`
	ByInt   map[int]string    `json:"byInt"`
	ByText  map[textKey]int   `json:"byText"`
	Array   [3]byte           `json:"array"`
	Raw     json.RawMessage   `json:"raw"`
	Number  json.Number       `json:"number"`
	Any     any               `json:"any"`
	Nil     map[string]string `json:"nil"`
	private int
	Dash    int `json:"-"`
}

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	full := &rules{
		Base:    &Base{ID: "b", Name: "base name"},
		Name:    "top",
		When:    time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Count:   42,
		Ratio:   0.1,
		Label:   `say "hi" <b>`,
		Mine:    ptrMarshaler{"m"},
		Both:    bothMarshalers{"b"},
		Only:    onlyJSON{hidden: 3},
		Big:     new(big.Int).Lsh(big.NewInt(1), 70),
		Addr:    netip.MustParseAddr("2001:db8::1"),
		ByInt:   map[int]string{10: "ten", -1: "minus one", 2: "two"},
		ByText:  map[textKey]int{{"b", "c"}: 1, {"a", "z"}: 2},
		Array:   [3]byte{1, 2, 3},
		Raw:     json.RawMessage(` {"z": [1, 1.0, -0, 1e3, 12345678901234567890], "a": null} `),
		Number:  json.Number("-12.5e1"),
		Any:     []any{map[string]any{"x": 1}, "é ✓ 🚀", nil, true, uint8(200), int16(-300), float32(1) / 3},
		private: 7, // not written
	}
	tests := []struct {
		name string
		in   any
	}{
		{"every rule, addressable", full},
		{"every rule, a copy", *full},
		{"nil embedded pointer", rules{Name: "n"}},
		{"scalars", []any{0, -1, math.MaxInt64, uint64(math.MaxUint64), 1.5, float32(0.1), "", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendValue(nil, tt.in)
			if err != nil {
				t.Fatalf("AppendValue(%s): %v", tt.name, err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.in); err != nil {
				t.Fatal(err)
			}
			w := canonJSON(t, want.Bytes())
			if g := msgpackJSON(t, got); g != w {
				t.Errorf("AppendValue(%s), as JSON =\n\t%s\nwant (encoding/json)\n\t%s", tt.name, g, w)
			}
		})
	}
}

// canonJSON rewrites encoding/json's output with numbers as float64 would
// print them, as msgpackJSON prints what it decodes.
func canonJSON(t *testing.T, data []byte) string {
	t.Helper()
	var out strings.Builder
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func() // copies one value, in order
	walk = func() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch x := tok.(type) {
		case json.Delim:
			out.WriteString(x.String())
			for first := true; dec.More(); first = false {
				if !first {
					out.WriteByte(',')
				}
				if x == '{' {
					k, _ := dec.Token()
					out.Write(quote(k.(string)))
					out.WriteByte(':')
				}
				walk()
			}
			end, _ := dec.Token()
			out.WriteString(end.(json.Delim).String())
		case json.Number:
			f, _ := x.Float64()
			out.Write(number(f))
		case string:
			out.Write(quote(x))
		default:
			b, _ := json.Marshal(x)
			out.Write(b)
		}
	}
	walk()
	return out.String()
}

func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

func number(f float64) []byte {
	b, _ := json.Marshal(f)
	return b
}

// msgpackJSON prints msgpack as canonJSON prints JSON, keys in their order,
// bin as a base64 string (as encoding/json writes []byte).
func msgpackJSON(t *testing.T, b []byte) string {
	t.Helper()
	r := bytes.NewReader(b) // a ByteScanner: the decoder reads it unbuffered
	dec := msgpack.NewDecoder(r)
	var out strings.Builder
	var walk func()
	walk = func() {
		code, err := dec.PeekCode()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case code>>4 == 0x8 || code == 0xde || code == 0xdf:
			n, _ := dec.DecodeMapLen()
			out.WriteByte('{')
			for i := range n {
				if i > 0 {
					out.WriteByte(',')
				}
				k, err := dec.DecodeString()
				if err != nil {
					t.Fatalf("map key: %v", err)
				}
				out.Write(quote(k))
				out.WriteByte(':')
				walk()
			}
			out.WriteByte('}')
		case code>>4 == 0x9 || code == 0xdc || code == 0xdd:
			n, _ := dec.DecodeArrayLen()
			out.WriteByte('[')
			for i := range n {
				if i > 0 {
					out.WriteByte(',')
				}
				walk()
			}
			out.WriteByte(']')
		default:
			v, err := dec.DecodeInterface()
			if err != nil {
				t.Fatal(err)
			}
			switch x := v.(type) {
			case []byte:
				out.Write(quote(base64.StdEncoding.EncodeToString(x)))
			case string:
				out.Write(quote(x))
			case float64:
				out.Write(number(x))
			case nil, bool:
				b, _ := json.Marshal(x)
				out.Write(b)
			default: // an integer
				f, _ := strconv.ParseFloat(fmt.Sprint(x), 64)
				out.Write(number(f))
			}
		}
	}
	walk()
	if r.Len() != 0 {
		t.Fatalf("%x: bytes after the value", b)
	}
	return out.String()
}

// appender writes itself as an array of its payload's bytes, each a bin.
type appender struct{ payload []byte }

func (a appender) AppendMsgpack(dst []byte) ([]byte, error) {
	dst = AppendArrayHeader(dst, len(a.payload))
	for _, b := range a.payload {
		dst = append(dst, 0xc4, 1, b)
	}
	return dst, nil
}

type failing struct{}

func (failing) AppendMsgpack(dst []byte) ([]byte, error) { return dst, errors.New("refused") }

type holder struct {
	Inner  appender `json:"inner"`
	Nested any      `json:"nested"`
}

func TestAppendValueOwnEncodings(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any // what the msgpack library decodes
	}{
		{"appender in a map", map[string]any{"a": appender{[]byte("xy")}},
			map[string]any{"a": []any{[]byte("x"), []byte("y")}}},
		{"appender in a struct and a slice", holder{Inner: appender{[]byte("i")}, Nested: []any{appender{[]byte("n")}}},
			map[string]any{"inner": []any{[]byte("i")}, "nested": []any{[]any{[]byte("n")}}}},
		{"nil appender pointer", map[string]*appender{"p": nil}, map[string]any{"p": nil}},
		{"msgpack.RawMessage", []any{msgpack.RawMessage{0x92, 0x01, 0xc4, 0x01, 0x02}}, []any{[]any{int8(1), []byte{2}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendValue(nil, tt.in)
			if err != nil {
				t.Fatalf("AppendValue(%+v): %v", tt.in, err)
			}
			var got any
			if err := msgpack.Unmarshal(b, &got); err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("AppendValue(%+v) = %x, decoding to %v, %v; want %v", tt.in, b, got, err, tt.want)
			}
		})
	}
	if _, err := AppendValue(nil, []any{failing{}}); err == nil || err.Error() != "refused" {
		t.Errorf("AppendValue(failing appender) error = %v, want refused", err)
	}
}

func TestAppendValueErrors(t *testing.T) {
	cyclicMap := map[string]any{}
	cyclicMap["self"] = cyclicMap
	type node struct{ Next *node }
	cyclicPtr := &node{}
	cyclicPtr.Next = cyclicPtr
	cyclicSlice := []any{nil}
	cyclicSlice[0] = cyclicSlice
	var unsupportedType *json.UnsupportedTypeError
	var unsupportedValue *json.UnsupportedValueError
	var syntax *json.SyntaxError
	tests := []struct {
		name string
		in   any
		want any // a pointer to the error type wanted
	}{
		{"chan in a map", map[string]any{"c": make(chan int)}, &unsupportedType},
		{"func in a struct", struct{ F func() }{func() {}}, &unsupportedType},
		{"complex", []any{complex(1, 2)}, &unsupportedType},
		{"map key type", map[[2]int]int{{1, 2}: 1}, &unsupportedType},
		{"NaN", []any{math.NaN()}, &unsupportedValue},
		{"infinity in float32", []float32{float32(math.Inf(-1))}, &unsupportedValue},
		{"cycle through a map", cyclicMap, &unsupportedValue},
		{"cycle through a pointer", cyclicPtr, &unsupportedValue},
		{"cycle through a slice", cyclicSlice, &unsupportedValue},
		{"invalid RawMessage", map[string]any{"r": json.RawMessage(`{"a":`)}, new(error)},
		{"RawMessage with trailing data", json.RawMessage(`1 2`), new(error)},
		{"invalid Number", json.Number("0x10"), new(error)},
		{"invalid MarshalJSON", badJSON{}, &syntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendValue(nil, tt.in)
			if err == nil || !errors.As(err, tt.want) {
				t.Errorf("AppendValue(%s) = %.20x, %v; want a %T", tt.name, got, err, tt.want)
			}
		})
	}
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{`), nil }

// Invalid UTF-8 becomes U+FFFD byte by byte, as encoding/json writes it.
func TestAppendValueInvalidUTF8(t *testing.T) {
	got, err := AppendValue(nil, map[string]string{"k\xff": "a\xffb\xc3"})
	want := "81" + "a4" + hex.EncodeToString([]byte("k\uFFFD")) + "a8" + hex.EncodeToString([]byte("a\uFFFDb\uFFFD"))
	if err != nil || hex.EncodeToString(got) != want {
		t.Errorf("AppendValue(invalid UTF-8) = %x, %v; want %s", got, err, want)
	}
}

// FuzzAppendValueJSON checks the JSON path (json.RawMessage, Marshaler
// output): valid JSON becomes the msgpack of the same document (keys in
// order, repeated keys kept, as JSON.parse reads them), anything else an
// error, never a panic.
func FuzzAppendValueJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `"\u00e9\ud83d\ude80"`, `-0`, `1e400`, `12345678901234567890`,
		`[[[[]]]]`, `{"a":1,"a":2}`, `{`, `[1,]`, `"\xff"`, ` 1 `, `1 2`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := AppendValue(nil, json.RawMessage(in))
		if !json.Valid(in) {
			if err == nil {
				t.Fatalf("AppendValue(%q) = %x, want an error", in, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("AppendValue(%q): %v", in, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, in); err != nil {
			t.Fatal(err)
		}
		if g, w := msgpackJSON(t, got), canonJSON(t, compact.Bytes()); g != w {
			t.Fatalf("AppendValue(%q), as JSON = %s, want %s", in, g, w)
		}
	})
}
