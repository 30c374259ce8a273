package actorio

import (
	"reflect"
	"strings"
	"testing"
)

func TestNewHandlerRejects(t *testing.T) {
	for name, fn := range map[string]any{
		"not a func":       42,
		"two results":      func() (int, error) { return 0, nil },
		"non-error result": func() int { return 0 },
		"ack not last":     func(Ack, string) {},
		"args with others": func(Args, string) {},
	} {
		if _, err := newHandler(fn); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHandlerDecodeError(t *testing.T) {
	h, err := newHandler(func(n int) { t.Error("called with a string for an int") })
	if err != nil {
		t.Fatal(err)
	}
	args := Args{raw: [][]byte{[]byte(`"x"`)}, codec: jsonCodec{}}
	err = h.call("ev", args, Ack{})
	if ae, ok := err.(*ArgumentError); !ok || ae.Event != "ev" || ae.Index != 0 || ae.Type != reflect.TypeFor[int]() ||
		!strings.Contains(err.Error(), `event "ev" argument 0 does not decode into int`) {
		t.Errorf("call(\"ev\", [\"x\"]) error = %v, want an *ArgumentError for argument 0 (int)", err)
	}
}

func TestHandlerMissingArgsAreZero(t *testing.T) {
	var got string
	var gotN int
	h, _ := newHandler(func(s string, n int) { got, gotN = s, n })
	if err := h.call("ev", Args{raw: [][]byte{[]byte(`"a"`)}, codec: jsonCodec{}}, Ack{}); err != nil || got != "a" || gotN != 0 {
		t.Errorf("call = %v, %q %d", err, got, gotN)
	}
}
