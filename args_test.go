package actorio

import (
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
	if err := h.call(args, nil); err == nil || !strings.Contains(err.Error(), "argument 0") {
		t.Errorf("call error = %v", err)
	}
}

func TestHandlerMissingArgsAreZero(t *testing.T) {
	var got string
	var gotN int
	h, _ := newHandler(func(s string, n int) { got, gotN = s, n })
	if err := h.call(Args{raw: [][]byte{[]byte(`"a"`)}, codec: jsonCodec{}}, nil); err != nil || got != "a" || gotN != 0 {
		t.Errorf("call = %v, %q %d", err, got, gotN)
	}
}
