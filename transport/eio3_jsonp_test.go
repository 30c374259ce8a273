package transport

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// Rows computed with Node's JSONP transport (engine.io's polling-jsonp.js
// regular expressions) on the same input.
func TestJSONPBody(t *testing.T) {
	tests := []struct {
		name, d, want string
	}{
		{"plain", "1:2", "1:2"},
		{"escaped newline", `a\nb`, "a\nb"},
		{"escaped backslash-n", `a\\nb`, `a\nb`},
		{"three backslashes", `a\\\nb`, `a\\nb`},
		{"two newlines", `\n\n`, "\n\n"},
		{"four backslashes", `x\\\\ny`, `x\\\ny`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonpBody([]byte("d=" + url.QueryEscape(tt.d)))
			if err != nil || string(got) != tt.want {
				t.Errorf("jsonpBody(d=%q) = %q, %v, want %q", tt.d, got, err, tt.want)
			}
		})
	}
	if _, err := jsonpBody([]byte("x=1")); err != ErrJSONPForm {
		t.Errorf("jsonpBody(%q) = %v, want %v", "x=1", err, ErrJSONPForm)
	}
}

func TestJSONPWrap(t *testing.T) {
	tests := []struct {
		name, query, payload, want string
	}{
		{"index", "EIO=3&j=2", `3:40`, `___eio[2]("3:40");`},
		{"only digits of j", "EIO=3&j=1x2", `1:6`, `___eio[12]("1:6");`},
		{"quotes and separators", "EIO=3&j=0", "7:42[\"a\u2028\"]", `___eio[0]("7:42[\"a\u2028\"]");`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/engine.io/?"+tt.query, nil)
			if got := string(jsonpWrap(r, []byte(tt.payload))); got != tt.want {
				t.Errorf("jsonpWrap(%q, %q) = %q, want %q", tt.query, tt.payload, got, tt.want)
			}
		})
	}
}
