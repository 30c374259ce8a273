package value

import (
	"testing"

	"github.com/actorio/actorio/adapter"
)

// FuzzUnmarshalAny: any bytes from Redis decode to a value or an error,
// never a panic, and a value re-encodes and decodes to the same JSON.
func FuzzUnmarshalAny(f *testing.F) {
	for _, s := range []string{"\x93\xa3uid\x82\xa4type\x02\xa4data\x91\xc4\x01\x01\x80", "\xd4\x00\x00", "\xd7\x00\x00\x00\x01\x8c\x00\x00\x00\x00", "\xc6\xff\xff\xff\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalAny(data)
		if err != nil {
			return
		}
		b, err := MarshalAny(v)
		if err != nil {
			t.Fatalf("MarshalAny(%#v) = %v", v, err)
		}
		back, err := UnmarshalAny(b)
		if err != nil {
			t.Fatalf("UnmarshalAny(MarshalAny(v)) = %v", err)
		}
		j1, _, e1 := AppendJSON(nil, v, nil, false)
		j2, _, e2 := AppendJSON(nil, back, nil, false)
		if (e1 == nil) != (e2 == nil) || string(j1) != string(j2) {
			t.Fatalf("round trip changed the value: %s -> %s", j1, j2)
		}
	})
}

// FuzzFromData: a packet's JSON data with any attachments converts both
// ways without a panic.
func FuzzFromData(f *testing.F) {
	f.Add([]byte(`["ev",{"_placeholder":true,"num":0},{"a":[1,2.5,null]}]`), []byte{1, 2})
	f.Add([]byte(`[{"_placeholder":true,"num":9}]`), []byte{})
	f.Fuzz(func(t *testing.T, data, att []byte) {
		vals, err := FromData(adapter.FormatJSON, data, [][]byte{att})
		if err != nil {
			return
		}
		for _, f := range []adapter.Format{adapter.FormatJSON, adapter.FormatMsgpack} {
			d, atts, err := ToData(f, vals)
			if err != nil {
				continue // a string that is not UTF-8 cannot be written as JSON
			}
			if _, err := FromData(f, d, atts); err != nil {
				t.Fatalf("FromData(ToData(%d)) = %v for %q", f, err, d)
			}
		}
	})
}
