package value

import (
	"encoding/hex"
	"runtime"
	"testing"
)

// TestHostileLength: a bin or ext header announcing gigabytes that are not
// there is an error, found before anything is allocated for it.
func TestHostileLength(t *testing.T) {
	tests := []struct{ name, in string }{
		{"bin32", "c6c6c6c64000"},
		{"bin32 in an array", "91c6ffffffff00"},
		{"ext32 of type 0", "c9ffffffff0000"},
		{"bin16 one byte short", "c5000201"},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.in)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		v, err := UnmarshalAny(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: UnmarshalAny(%s) = %v, want an error", tt.name, tt.in, v)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: UnmarshalAny(%s) allocated %d bytes", tt.name, tt.in, n)
		}
	}
}
