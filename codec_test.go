package actorio

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

type codecRecord struct {
	At      time.Time         `json:"at"`
	Addr    netip.Addr        `json:"addr"`
	Count   int               `json:"count,string"`
	Big     *big.Int          `json:"big"`
	Blob    []byte            `json:"blob"`
	ByInt   map[int]string    `json:"byInt"`
	Ratio   float32           `json:"ratio"`
	Raw     json.RawMessage   `json:"raw"`
	Nested  []map[string]bool `json:"nested"`
	Skipped string            `json:"-"`
}

// A value a server encodes decodes back to itself with either parser, as
// with encoding/json: both parsers encode and decode by its rules.
func TestCodecRoundTrip(t *testing.T) {
	in := codecRecord{
		At:     time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Addr:   netip.MustParseAddr("2001:db8::1"),
		Count:  42,
		Big:    big.NewInt(-1 << 62), // msgpack integers have 64 bits: beyond, a float64, as JavaScript reads it
		Blob:   []byte{0, 1, 0xff},
		ByInt:  map[int]string{-1: "a", 10: "b"},
		Ratio:  0.1,
		Raw:    json.RawMessage(`{"z":[1,"x"],"a":null}`),
		Nested: []map[string]bool{{"t": true}, nil},
	}
	for _, c := range []codec{jsonCodec{}, msgpackCodec{}} {
		data, atts, err := c.encode("ev", []any{in, &in})
		if err != nil {
			t.Fatalf("%T.encode: %v", c, err)
		}
		raw, err := c.split(data)
		if err != nil || len(raw) != 3 {
			t.Fatalf("%T.split = %d elements, %v", c, len(raw), err)
		}
		for i := 1; i <= 2; i++ {
			var out codecRecord
			if err := c.decode(raw[i], atts, &out); err != nil {
				t.Fatalf("%T.decode(argument %d): %v", c, i, err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Errorf("%T: argument %d decodes to\n\t%+v\nwant\n\t%+v", c, i, out, in)
			}
		}
	}
}

// Arguments as a client sends them decode alike with both parsers: field
// names matched as encoding/json matches them (case aside), binary into
// []byte, and into an any as the base64 string encoding/json would read.
func TestCodecDecodeAlike(t *testing.T) {
	type user struct {
		UserName string `json:"userName"`
		Avatar   []byte
		Extra    any
	}
	// The client's argument, as a JavaScript value.
	arg := map[string]any{"username": "ann", "AVATAR": []byte{1, 2}, "extra": map[string]any{"b": []byte{3}, "n": 1.5}}
	want := user{UserName: "ann", Avatar: []byte{1, 2}, Extra: map[string]any{"b": "Aw==", "n": 1.5}}
	for _, c := range []codec{jsonCodec{}, msgpackCodec{}} {
		data, atts, err := c.encode("", []any{arg})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := c.split(data)
		var got user
		if err := c.decode(raw[0], atts, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%T.decode = %+v, %v; want %+v", c, got, err, want)
		}
		var name string
		nameData, _, _ := c.encode("ev\xff", nil)
		nameRaw, _ := c.split(nameData)
		if err := c.decode(nameRaw[0], nil, &name); err != nil || name != "ev\uFFFD" {
			t.Errorf("%T.decode(event name) = %q, %v; want %q", c, name, err, "ev\uFFFD")
		}
	}
}
