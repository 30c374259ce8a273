package sio

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Types that exercise encoding/json's rules inside a value that holds
// binary, which AppendJSON walks itself.

type ptrMarshaler struct{ v string }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("ptr:" + p.v) }

// bothMarshalers has MarshalJSON on its pointer, MarshalText on its value:
// encoding/json uses the first when the value is addressable.
type bothMarshalers struct{ v string }

func (b *bothMarshalers) MarshalJSON() ([]byte, error) { return json.Marshal("json:" + b.v) }
func (b bothMarshalers) MarshalText() ([]byte, error)  { return []byte("text:" + b.v), nil }

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "/" + k.b), nil }

type zeroer struct{ N int }

func (z zeroer) IsZero() bool { return z.N < 0 }

type Deep struct {
	Name string `json:"name"`
	Blob []byte `json:"blob"`
}

type Shallow struct {
	Name string // loses to nothing: Deep.Name is deeper
}

type tagged struct {
	Name string `json:"name"`
}

type untagged struct {
	Name string
}

type rules struct {
	*Deep                               // flattened; its name loses to rules.Name
	Name      string                    `json:"name"`
	Empty     struct{ X int }           `json:"empty,omitempty"` // a struct is never empty
	Zero      zeroer                    `json:"zero,omitzero"`
	NotZero   zeroer                    `json:"notZero,omitzero"`
	When      time.Time                 `json:"when,omitzero"`
	Count     int                       `json:"count,string"`
	Flag      *bool                     `json:"flag,string"`
	Label     string                    `json:"label,string"`
	Mine      ptrMarshaler              `json:"mine"`
	Both      bothMarshalers            `json:"both"`
	ByInt     map[int][]byte            `json:"byInt"`
	ByText    map[textKey][]byte        `json:"byText"`
	Addr      netip.Addr                `json:"addr"`
	Array     [2]byte                   `json:"array"`
	Interface any                       `json:"interface"`
	Nested    map[string][]map[int]bool `json:"nested,omitempty"`
	skipped   []byte
	Dash      []byte `json:"-"`
	//lint:ignore SA5008 encoding/json names this field "-": the rule is under test
	DashName []byte `json:"-,"`
	//lint:ignore SA5008 an invalid tag name, which encoding/json ignores: the rule is under test
	BadTag []byte `json:"a\\b"`
}

type conflicts struct {
	tagged   // name, tagged: wins over untagged at the same depth
	untagged // Name
	Shallow  // Name at depth 1 too: with untagged.Name, ambiguous... but tagged wins
	Blob     []byte
}

type ambiguous struct {
	Shallow
	untagged // two untagged Name at depth 1: encoding/json writes neither
	Blob     []byte
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	yes := true
	full := &rules{
		Deep:      &Deep{Name: "deep", Blob: []byte{1}},
		Name:      "top",
		Zero:      zeroer{N: -1},
		NotZero:   zeroer{N: 0},
		Count:     42,
		Flag:      &yes,
		Label:     `say "hi"`,
		Mine:      ptrMarshaler{"m"},
		Both:      bothMarshalers{"b"},
		ByInt:     map[int][]byte{10: {2}, -1: {3}, 2: nil},
		ByText:    map[textKey][]byte{{"b", "c"}: {4}, {"a", "z"}: {5}},
		Addr:      netip.MustParseAddr("192.0.2.1"),
		Array:     [2]byte{6, 7},
		Interface: map[string]any{"b": []byte{8}, "a": []any{1.5, "x<y>&", nil}},
		Nested:    map[string][]map[int]bool{"k": {{3: true, 1: false}}},
		skipped:   []byte{9},
		Dash:      []byte{9},
		DashName:  []byte{10},
		BadTag:    []byte{11},
	}
	tests := []struct {
		name string
		in   any
	}{
		{"every rule, addressable", full},
		{"every rule, a copy", *full},
		{"nil embedded pointer", rules{Name: "n", ByInt: map[int][]byte{1: {1}}}},
		{"tagged field wins", conflicts{tagged: tagged{"t"}, untagged: untagged{"u"}, Blob: []byte{1}}},
		{"ambiguous fields dropped", ambiguous{Shallow: Shallow{"s"}, untagged: untagged{"u"}, Blob: []byte{1}}},
		{"slice of any", []any{[]byte{1}, json.RawMessage(`{"z":1}`), json.Number("12.50"), time.Unix(0, 0).UTC()}},
		{"empty bytes", map[string]any{"e": []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, atts, err := AppendJSON(nil, tt.in, nil)
			if err != nil {
				t.Fatalf("AppendJSON(%+v): %v", tt.in, err)
			}
			got, err := ResolvePlaceholders(data, atts)
			if err != nil {
				t.Fatalf("ResolvePlaceholders(%s): %v", data, err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.in); err != nil {
				t.Fatal(err)
			}
			if w := strings.TrimSuffix(want.String(), "\n"); string(got) != w {
				t.Errorf("AppendJSON(%+v), binary as base64 =\n\t%s\nwant (encoding/json)\n\t%s", tt.in, got, w)
			}
		})
	}
}

// appender writes itself with one attachment per byte of its payload.
type appender struct{ payload []byte }

func (a appender) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	dst = append(dst, '[')
	for i, b := range a.payload {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendPlaceholder(dst, len(atts))
		atts = append(atts, []byte{b})
	}
	return append(dst, ']'), atts, nil
}

type failing struct{}

func (failing) AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error) {
	return dst, atts, errors.New("refused")
}

type holder struct {
	First  []byte   `json:"first"`
	Inner  appender `json:"inner"`
	Nested any      `json:"nested"`
}

func TestAppendJSONAppender(t *testing.T) {
	ph := func(n int) string { return `{"_placeholder":true,"num":` + string(rune('0'+n)) + `}` }
	tests := []struct {
		name     string
		in       any
		want     string
		wantAtts string
	}{
		{"top level", appender{[]byte("ab")}, `[` + ph(0) + `,` + ph(1) + `]`, "ab"},
		{"in a map", map[string]any{"z": []byte("x"), "a": appender{[]byte("y")}},
			`{"a":[` + ph(0) + `],"z":` + ph(1) + `}`, "yx"},
		{"in a slice after binary", []any{[]byte("x"), appender{[]byte("yz")}},
			`[` + ph(0) + `,[` + ph(1) + `,` + ph(2) + `]]`, "xyz"},
		{"struct field and nested", holder{First: []byte("f"), Inner: appender{[]byte("i")}, Nested: []any{appender{[]byte("n")}}},
			`{"first":` + ph(0) + `,"inner":[` + ph(1) + `],"nested":[[` + ph(2) + `]]}`, "fin"},
		{"nil pointer", map[string]*appender{"p": nil}, `{"p":null}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, atts, err := AppendJSON(nil, tt.in, nil)
			if err != nil || string(got) != tt.want || string(bytes.Join(atts, nil)) != tt.wantAtts {
				t.Errorf("AppendJSON(%+v) = %s, %q, %v; want %s, %q", tt.in, got, atts, err, tt.want, tt.wantAtts)
			}
		})
	}
	if _, _, err := AppendJSON(nil, map[string]any{"f": failing{}}, nil); err == nil || err.Error() != "refused" {
		t.Errorf("AppendJSON(failing appender) error = %v, want refused", err)
	}
}

func TestAppendJSONErrors(t *testing.T) {
	cyclicMap := map[string]any{"b": []byte{1}}
	cyclicMap["self"] = cyclicMap
	type node struct {
		Blob []byte `json:"blob"`
		Next *node  `json:"next"`
	}
	cyclicPtr := &node{Blob: []byte{1}}
	cyclicPtr.Next = cyclicPtr
	cyclicSlice := []any{[]byte{1}, nil}
	cyclicSlice[1] = cyclicSlice
	var unsupportedType *json.UnsupportedTypeError
	var unsupportedValue *json.UnsupportedValueError
	tests := []struct {
		name string
		in   any
		want any // *json.UnsupportedTypeError or *json.UnsupportedValueError
	}{
		{"chan in a map", map[string]any{"b": []byte{1}, "c": make(chan int)}, &unsupportedType},
		{"func in a slice", []any{[]byte{1}, func() {}}, &unsupportedType},
		{"chan without binary", map[string]any{"c": make(chan int)}, &unsupportedType},
		{"complex", []any{[]byte{1}, complex(1, 2)}, &unsupportedType},
		{"map key type", map[string]any{"m": map[[2]int][]byte{{1, 2}: {1}}}, &unsupportedType},
		{"NaN beside binary", []any{[]byte{1}, math.NaN()}, &unsupportedValue},
		{"cycle through a map", cyclicMap, &unsupportedValue},
		{"cycle through a pointer", cyclicPtr, &unsupportedValue},
		{"cycle through a slice", cyclicSlice, &unsupportedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := AppendJSON(nil, tt.in, nil)
			if !errors.As(err, tt.want) {
				t.Errorf("AppendJSON(%s) = %.40q, %v; want a %T", tt.name, got, err, tt.want)
			}
		})
	}
}
