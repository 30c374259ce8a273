package actorio

import (
	"encoding/json"
	"testing"
)

// The event name's fast path reads what json.Unmarshal reads, and leaves
// everything else to it.
func TestPlainJSONStringAgreesWithUnmarshal(t *testing.T) {
	for _, raw := range []string{
		`"chat"`, `""`, `"with space"`, `"a/b:c"`, `"é"`, `"tab\there"`, `"q\"uote"`, `"\u0041"`,
		"\"ctl\x01\"", "\"bad\xff\"", `"unterminated`, `12`, `null`, `"x"y"`, `"`,
	} {
		got, ok := plainJSONString([]byte(raw))
		var want string
		err := json.Unmarshal([]byte(raw), &want)
		if ok && (err != nil || got != want) {
			t.Errorf("plainJSONString(%q) = %q, want %q (json.Unmarshal: %v)", raw, got, want, err)
		}
		var viaCodec string
		cerr := jsonCodec{}.decode([]byte(raw), nil, &viaCodec)
		if (cerr == nil) != (err == nil) || viaCodec != want {
			t.Errorf("jsonCodec.decode(%q) = %q, %v; want %q, %v", raw, viaCodec, cerr, want, err)
		}
	}
}

func FuzzPlainJSONString(f *testing.F) {
	for _, s := range []string{`"chat"`, `"q\"uote"`, "\"bad\xff\"", `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := plainJSONString(raw)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || got != want {
			t.Fatalf("plainJSONString(%q) = %q, json.Unmarshal = %q, %v", raw, got, want, err)
		}
	})
}
