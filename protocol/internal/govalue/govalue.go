// Package govalue reads Go values for encoding by encoding/json's rules, so
// that both Socket.IO parsers send a value as encoding/json would describe
// it: the struct fields it would write (tags, omitempty, omitzero, string,
// embedded structs and the rules that pick between fields of one name), the
// keys it would give a map, which []byte it would treat as bytes, and its
// cycle check. The JSON parser writes binary-free values with encoding/json
// itself; what it walks by hand, and everything the msgpack parser writes,
// follows these rules.
//
// It is pure and safe for concurrent use; type information is cached.
package govalue

import (
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Field is one field a struct type has in JSON.
type Field struct {
	Name      string
	Index     []int // for reflect.Value.FieldByIndex, through embedded structs
	OmitEmpty bool  // ",omitempty"
	OmitZero  bool  // ",omitzero"
	Quoted    bool  // ",string" on a bool, number or string field
}

var fieldCache sync.Map // reflect.Type -> []Field

// Fields lists the fields encoding/json writes for struct type t, in its
// order: exported fields, tag names, "-" skipped, embedded structs
// flattened, and of several fields with one name the shallowest, the
// tagged one among equals, or none when that is still ambiguous.
func Fields(t reflect.Type) []Field {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.([]Field)
	}
	type candidate struct {
		Field
		tagged bool
	}
	var all []candidate
	// Breadth first, as encoding/json: depth is len(Index).
	type level struct {
		t     reflect.Type
		index []int
	}
	current, visited := []level{{t: t}}, map[reflect.Type]bool{}
	for len(current) > 0 {
		var next []level
		for _, l := range current {
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validName(name) {
					name = ""
				}
				index := append(slices.Clone(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{t: ft, index: index})
					continue
				}
				f := candidate{Field: Field{Name: name, Index: index}, tagged: name != ""}
				if f.Name == "" {
					f.Name = sf.Name
				}
				for o := range strings.SplitSeq(opts, ",") {
					switch o {
					case "omitempty":
						f.OmitEmpty = true
					case "omitzero":
						f.OmitZero = true
					case "string":
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							f.Quoted = true
						}
					}
				}
				all = append(all, f)
			}
		}
		current = next
	}
	// Of the fields of one name, keep the dominant one, if any.
	slices.SortStableFunc(all, func(a, b candidate) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(len(a.Index), len(b.Index)),
			boolOrder(a.tagged, b.tagged))
	})
	var fields []Field
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Name == all[i].Name {
			j++
		}
		group := all[i:j]
		i = j
		best := group[0]
		if len(group) > 1 && len(group[1].Index) == len(best.Index) && group[1].tagged == best.tagged {
			continue // ambiguous: encoding/json writes neither
		}
		fields = append(fields, best.Field)
	}
	slices.SortFunc(fields, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	fieldCache.Store(t, fields)
	return fields
}

// boolOrder sorts true first.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// validName is encoding/json's test of a tag name; an invalid one is
// ignored in favour of the field's name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c > 0x7f):
			return false
		}
	}
	return true
}

// FieldByIndex follows f's index from struct v; ok is false when it passes
// through a nil embedded pointer (encoding/json then leaves the field out).
func FieldByIndex(v reflect.Value, f Field) (reflect.Value, bool) {
	for i, x := range f.Index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// Omit reports whether encoding/json leaves field f, holding v, out.
func Omit(f Field, v reflect.Value) bool {
	return (f.OmitEmpty && isEmpty(v)) || (f.OmitZero && isZero(v))
}

// isEmpty is encoding/json's omitempty test: structs are never empty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

// isZero is encoding/json's omitzero test: the type's IsZero method if it
// has one, else the zero value.
func isZero(v reflect.Value) bool {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return true
	}
	if v.CanInterface() {
		if z, ok := v.Interface().(isZeroer); ok {
			return z.IsZero()
		}
	}
	if v.CanAddr() {
		if z, ok := v.Addr().Interface().(isZeroer); ok {
			return z.IsZero()
		}
	}
	return v.IsZero()
}

// IsBytes reports whether encoding/json treats t as bytes (base64): a slice
// of a byte kind whose type, and element pointer type, marshal nothing of
// their own. Both parsers send these as binary.
func IsBytes(t reflect.Type) bool {
	if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uint8 || Marshals(t) {
		return false
	}
	p := reflect.PointerTo(t.Elem())
	return !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

// Marshals reports whether t (not its pointer) implements json.Marshaler
// or encoding.TextMarshaler.
func Marshals(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

// Marshalers records which of json.Marshaler and encoding.TextMarshaler a
// type has, by value and by pointer.
type Marshalers struct {
	jsonPtr, jsonVal, textPtr, textVal bool
}

var marshalerCache sync.Map // reflect.Type -> Marshalers

// MarshalersOf returns t's marshalers, cached.
func MarshalersOf(t reflect.Type) Marshalers {
	if cached, ok := marshalerCache.Load(t); ok {
		return cached.(Marshalers)
	}
	notPtr := t.Kind() != reflect.Pointer
	m := Marshalers{
		jsonPtr: notPtr && reflect.PointerTo(t).Implements(marshalerType),
		jsonVal: t.Implements(marshalerType),
		textPtr: notPtr && reflect.PointerTo(t).Implements(textMarshalerType),
		textVal: t.Implements(textMarshalerType),
	}
	marshalerCache.Store(t, m)
	return m
}

// Any reports whether the type has a marshaler by value or by pointer.
func (m Marshalers) Any() bool { return m.jsonPtr || m.jsonVal || m.textPtr || m.textVal }

// Of returns the marshaler encoding/json uses for v, whose type m describes:
// MarshalJSON by pointer when v is addressable, by value, then MarshalText
// the same way. A nil pointer has none: it encodes as null.
func (m Marshalers) Of(v reflect.Value) (json.Marshaler, encoding.TextMarshaler) {
	if v.Kind() == reflect.Pointer && v.IsNil() || !v.CanInterface() {
		return nil, nil
	}
	switch {
	case m.jsonPtr && v.CanAddr():
		return v.Addr().Interface().(json.Marshaler), nil
	case m.jsonVal:
		return v.Interface().(json.Marshaler), nil
	case m.textPtr && v.CanAddr():
		return nil, v.Addr().Interface().(encoding.TextMarshaler)
	case m.textVal:
		return nil, v.Interface().(encoding.TextMarshaler)
	}
	return nil, nil
}

// Key is a map entry with its key as encoding/json writes it.
type Key struct {
	Name  string
	Value reflect.Value
}

// MapKeys returns map v's entries sorted by key, keys written as
// encoding/json writes them (strings, TextMarshaler text, decimal
// integers), or encoding/json's error for a key type it cannot write.
func MapKeys(v reflect.Value) ([]Key, error) {
	kt := v.Type().Key()
	var name func(k reflect.Value) (string, error)
	switch {
	case kt.Kind() == reflect.String:
		name = func(k reflect.Value) (string, error) { return k.String(), nil }
	case kt.Implements(textMarshalerType):
		name = func(k reflect.Value) (string, error) {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return "", &json.MarshalerError{Type: kt, Err: err}
			}
			return string(b), nil
		}
	case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
		name = func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
	case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
		name = func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
	default:
		return nil, &json.UnsupportedTypeError{Type: v.Type()}
	}
	keys := make([]Key, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		n, err := name(it.Key())
		if err != nil {
			return nil, err
		}
		keys = append(keys, Key{Name: n, Value: it.Value()})
	}
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	return keys, nil
}

// cycleDepth is how deep a walk goes before it starts to look for cycles,
// as encoding/json: shallow values pay nothing.
const cycleDepth = 1000

// Guard detects a cycle through pointers, maps and slices, as encoding/json
// does, so that a value that refers to itself is an error rather than a
// stack overflow that kills the process. Call Enter before descending into
// such a value and, when Enter returned nil, Leave after.
type Guard struct {
	depth int
	seen  map[identity]struct{}
}

type identity struct {
	p unsafe.Pointer
	n int
}

func identify(v reflect.Value) identity {
	id := identity{p: v.UnsafePointer()}
	if v.Kind() == reflect.Slice {
		id.n = v.Len()
	}
	return id
}

// Enter returns an error if v (a pointer, map or slice) is already being
// walked.
func (g *Guard) Enter(v reflect.Value) error {
	g.depth++
	if g.depth <= cycleDepth {
		return nil
	}
	id := identify(v)
	if _, ok := g.seen[id]; ok {
		g.depth--
		return &json.UnsupportedValueError{Value: v, Str: fmt.Sprintf("encountered a cycle via %s", v.Type())}
	}
	if g.seen == nil {
		g.seen = map[identity]struct{}{}
	}
	g.seen[id] = struct{}{}
	return nil
}

// EnterShallow enters a container without identifying it, which is enough
// while the walk is too shallow to look for cycles: it reports false, and
// enters nothing, once it is not. Leave with LeaveShallow.
func (g *Guard) EnterShallow() bool {
	if g.depth >= cycleDepth {
		return false
	}
	g.depth++
	return true
}

// LeaveShallow ends what EnterShallow began.
func (g *Guard) LeaveShallow() { g.depth-- }

// Leave ends what Enter began.
func (g *Guard) Leave(v reflect.Value) {
	if g.depth > cycleDepth {
		delete(g.seen, identify(v))
	}
	g.depth--
}
