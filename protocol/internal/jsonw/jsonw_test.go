package jsonw

import "testing"

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "chat message", `"chat message"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"other control", "\x00\x1f", `"\u0000\u001f"`},
		{"html kept", "<a>&", `"<a>&"`},
		{"unicode kept", "€ \u2028", "\"€ \u2028\""},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
		{"record separator", "\x1e", `"\u001e"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendString(nil, tt.in)); got != tt.want {
				t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
