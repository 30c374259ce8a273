package msgpackparser

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestAppendJSON(t *testing.T) {
	h := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	tests := []struct {
		name    string
		in      string // hex
		want    string
		wantErr error
	}{
		{"fixints", "93 00 7f e0", `[0,127,-32]`, nil},
		{"sized ints", "98 cc ff cd ffff ce ffffffff cf ffffffffffffffff d0 80 d1 8000 d2 80000000 d3 8000000000000000",
			`[255,65535,4294967295,18446744073709551615,-128,-32768,-2147483648,-9223372036854775808]`, nil},
		{"floats", "93 cb 3fb999999999999a ca 3dcccccd cb 7fefffffffffffff", `[0.1,0.10000000149011612,1.7976931348623157e+308]`, nil},
		{"nil and booleans", "93 c0 c2 c3", `[null,false,true]`, nil},
		{"strings", "93 a0 a3 e282ac d9 03 612262", `["","€","a\"b"]`, nil},
		{"invalid UTF-8", "a3 61 ff 62", "\"a\uFFFDb\"", nil},
		{"bin as base64", "93 c4 00 c5 0003 010203 c6 00000001 ff", `["","AQID","/w=="]`, nil},
		{"map with string and integer keys", "83 a1 62 01 05 a1 78 d0 ff c3", `{"b":1,"5":"x","-1":true}`, nil},
		{"nested", "81 a1 6d 92 80 91 c4 01 09", `{"m":[{},["CQ=="]]}`, nil},
		{"undefined", "92 d4 00 00 01", `[null,1]`, nil},
		{"undefined value leaves its key out", "83 a1 61 d4 00 00 a1 62 01 a1 63 d4 00 00", `{"b":1}`, nil},
		{"Date (notepack.io encoding new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123)))", "d7 00 0000018f4cbb3823", `"2024-05-06T07:08:09.123Z"`, nil},
		{"ArrayBuffer", "c7 03 00 010203", `"AQID"`, nil},
		{"timestamp 32", "d6 ff 5f5e1000", `"2020-09-13T12:26:40Z"`, nil},
		{"timestamp 64", "d7 ff 0000000c 5f5e1000", `"2020-09-13T12:26:40.000000003Z"`, nil},
		{"timestamp 96", "c7 0c ff 00000007 fffffffffffffffe", `"1969-12-31T23:59:58.000000007Z"`, nil},
		{"map key an array", "81 90 01", "", ErrMapKey},
		{"map key nil", "81 c0 01", "", ErrMapKey},
		{"NaN", "cb 7ff8000000000001", "", ErrNonFinite},
		{"infinity in float32", "ca 7f800000", "", ErrNonFinite},
		{"unknown extension", "d5 05 0102", "", ErrExtension},
		{"timestamp of a bad size", "d5 ff 0102", "", ErrExtension},
		{"truncated", "92 01", "", ErrInvalidMsgpack},
		{"trailing bytes", "01 02", "", ErrInvalidMsgpack},
		{"never used code", "c1", "", ErrInvalidMsgpack},
		{"empty", "", "", ErrInvalidMsgpack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := hex.DecodeString(h(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendJSON([]byte("prefix"), in)
			if !errors.Is(err, tt.wantErr) || (err == nil && string(got[len("prefix"):]) != tt.want) {
				t.Errorf("AppendJSON(%s) = %s, %v; want %s, %v", h(tt.in), got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecodeString(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"a3666f6f", "foo", nil},
		{"d903616263", "abc", nil},
		{"a2ff61", "\ufffda", nil},
		{"01", "", ErrNotAString},
		{"a3666f", "", ErrNotAString},
		{"a1610a", "", ErrNotAString},
	}
	for _, tt := range tests {
		in, _ := hex.DecodeString(tt.in)
		if got, err := DecodeString(in); got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("DecodeString(%s) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzAppendJSON: any input is valid JSON out or an error, never a panic;
// and what comes out survives the way back (AppendValue) and again.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"93c0c2c3", "81a16d9280" + "91c40109", "83a161d40000a16201a163d40000", "d7000000018f4cbb3823",
		"c70300010203", "d6ff5f5e1000", "8101a178", "cb7ff8000000000001", "dd00000001c0", "9191919191c0"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := AppendJSON(nil, in)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("AppendJSON(%x) = %s, not valid JSON", in, out)
		}
		back, err := AppendValue(nil, json.RawMessage(out))
		if err != nil {
			t.Fatalf("AppendValue(%s): %v", out, err)
		}
		again, err := AppendJSON(nil, back)
		if err != nil || string(again) != string(out) {
			t.Fatalf("AppendJSON(%x) = %s; after AppendValue and AppendJSON again = %s, %v", in, out, again, err)
		}
	})
}
