package actorio

import "testing"

// A 2.x client's namespace query becomes its auth as Node builds it:
// Object.fromEntries(new URL(nsp, base).searchParams).
func TestQueryObject(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "", `{}`},
		{"one", "token=abc", `{"token":"abc"}`},
		{"order kept", "b=1&a=2", `{"b":"1","a":"2"}`},
		{"repeated: last wins, first place", "a=1&b=2&a=3", `{"a":"3","b":"2"}`},
		{"escapes", "x+y=%C3%A9%22", `{"x y":"é\""}`},
		{"no value", "flag", `{"flag":""}`},
		{"empty parts", "&a=1&&", `{"a":"1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(queryObject(tt.in)); got != tt.want {
				t.Errorf("queryObject(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
