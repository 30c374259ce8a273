package sio

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/actorio/actorio/protocol/internal/jsonw"
)

// Binary attachments: a []byte anywhere in an emitted value travels as a
// separate binary message, replaced in the JSON by a placeholder
// {"_placeholder":true,"num":N}, numbered in the order a depth-first walk
// meets them (socket.io-parser's deconstructPacket).

// AppendPlaceholder appends the placeholder for attachment n.
func AppendPlaceholder(dst []byte, n int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '}')
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
	textMarshType  = reflect.TypeFor[encoding.TextMarshaler]()
)

// AppendJSON appends v as compact JSON with every []byte replaced by a
// placeholder, and returns the attachments appended to atts. It follows
// encoding/json's rules for structs (field tags, omitempty, "-", embedded
// structs), maps (sorted keys) and Marshaler types, and JSON.stringify's
// string escaping. json.RawMessage is written as it is. A value with no
// []byte inside is handed to encoding/json whole.
func AppendJSON(dst []byte, v any, atts [][]byte) ([]byte, [][]byte, error) {
	e := binaryEncoder{dst: dst, atts: atts}
	err := e.value(reflect.ValueOf(v))
	return e.dst, e.atts, err
}

type binaryEncoder struct {
	dst  []byte
	atts [][]byte
}

func (e *binaryEncoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.dst = append(e.dst, "null"...)
		return nil
	}
	t := v.Type()
	switch {
	case t == rawMessageType:
		raw := v.Bytes()
		if raw == nil {
			raw = []byte("null")
		}
		e.dst = append(e.dst, raw...)
		return nil
	case isBytes(t):
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		e.dst = AppendPlaceholder(e.dst, len(e.atts))
		e.atts = append(e.atts, v.Bytes())
		return nil
	case !mayHoldBinary(t):
		return e.marshal(v)
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		return e.value(v.Elem())
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		e.dst = append(e.dst, '[')
		for i := range v.Len() {
			if i > 0 {
				e.dst = append(e.dst, ',')
			}
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
		e.dst = append(e.dst, ']')
		return nil
	case reflect.Map:
		return e.mapValue(v)
	case reflect.Struct:
		return e.structValue(v)
	}
	return e.marshal(v)
}

// marshal hands a binary-free value to encoding/json, without its HTML
// escaping, so strings come out as JSON.stringify writes them.
func (e *binaryEncoder) marshal(v reflect.Value) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.Interface()); err != nil {
		return err
	}
	e.dst = append(e.dst, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
	return nil
}

func (e *binaryEncoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.dst = append(e.dst, "null"...)
		return nil
	}
	if v.Type().Key().Kind() != reflect.String {
		return e.marshal(v)
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	e.dst = append(e.dst, '{')
	for i, k := range keys {
		if i > 0 {
			e.dst = append(e.dst, ',')
		}
		e.dst = jsonw.AppendString(e.dst, k.String())
		e.dst = append(e.dst, ':')
		if err := e.value(v.MapIndex(k)); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

func (e *binaryEncoder) structValue(v reflect.Value) error {
	e.dst = append(e.dst, '{')
	first := true
	for _, f := range structFields(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && fv.IsZero()) || (f.omitEmpty && isEmptyCollection(fv)) {
			continue
		}
		if !first {
			e.dst = append(e.dst, ',')
		}
		first = false
		e.dst = jsonw.AppendString(e.dst, f.name)
		e.dst = append(e.dst, ':')
		if err := e.value(fv); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

func isEmptyCollection(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	}
	return false
}

// fieldByIndex follows an embedded path, stopping at a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
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

func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
		!t.Implements(marshalerType) && !t.Implements(textMarshType)
}

// mayHoldBinary reports whether a value of type t can contain a []byte that
// must become an attachment. Interfaces may; Marshaler types never do.
func mayHoldBinary(t reflect.Type) bool {
	if cached, ok := binaryTypes.Load(t); ok {
		return cached.(bool)
	}
	binaryTypes.Store(t, true) // a recursive type assumes yes while it is being decided
	result := computeMayHoldBinary(t)
	binaryTypes.Store(t, result)
	return result
}

var binaryTypes sync.Map // reflect.Type -> bool

func computeMayHoldBinary(t reflect.Type) bool {
	if t == rawMessageType || t.Implements(marshalerType) || t.Implements(textMarshType) ||
		reflect.PointerTo(t).Implements(marshalerType) {
		return false
	}
	if isBytes(t) {
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return mayHoldBinary(t.Elem())
	case reflect.Map:
		return mayHoldBinary(t.Elem())
	case reflect.Struct:
		for _, f := range structFields(t) {
			if mayHoldBinary(t.FieldByIndex(f.index).Type) {
				return true
			}
		}
	}
	return false
}

type field struct {
	name      string
	index     []int
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type -> []field

// structFields lists the JSON fields of a struct type as encoding/json sees
// them: exported fields, tag names, "-" skipped, embedded structs flattened
// (a shallower field wins over a deeper one of the same name).
func structFields(t reflect.Type) []field {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.([]field)
	}
	var fields []field
	seen := map[string]int{} // name -> depth
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(index), i)
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft, idx, depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if d, dup := seen[name]; dup && d <= depth {
				continue
			}
			seen[name] = depth
			fields = slices.DeleteFunc(fields, func(f field) bool { return f.name == name })
			fields = append(fields, field{name: name, index: idx, omitEmpty: strings.Contains(opts, "omitempty")})
		}
	}
	walk(t, nil, 0)
	slices.SortStableFunc(fields, func(a, b field) int { return slices.Compare(a.index, b.index) })
	fieldCache.Store(t, fields)
	return fields
}

// ResolvePlaceholders rewrites data so that every placeholder becomes the
// base64 string of its attachment: encoding/json then decodes it into a
// []byte field. Data without placeholders is returned as it is.
func ResolvePlaceholders(data []byte, atts [][]byte) ([]byte, error) {
	s := jsonScanner{data: data, collectPlaceholders: true}
	if _, err := s.document(); err != nil {
		return nil, ErrInvalidJSON
	}
	if len(s.placeholders) == 0 {
		return data, nil
	}
	slices.SortFunc(s.placeholders, func(a, b placeholder) int { return a.start - b.start })
	out := make([]byte, 0, len(data)+totalLen(atts)*4/3+8)
	last := 0
	for _, ph := range s.placeholders {
		if ph.start < last {
			continue // nested inside a placeholder already replaced
		}
		if ph.num < 0 || ph.num >= len(atts) {
			return nil, ErrIllegalAttachments
		}
		out = append(out, data[last:ph.start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, atts[ph.num])
		out = append(out, '"')
		last = ph.end
	}
	return append(out, data[last:]...), nil
}

func totalLen(atts [][]byte) int {
	n := 0
	for _, a := range atts {
		n += len(a)
	}
	return n
}

// AppendRenumbered appends raw, a JSON value whose placeholders refer to
// src, with each placeholder renumbered to the attachment's new place at the
// end of dst atts: how received arguments are forwarded, binary included,
// into a packet of their own.
func AppendRenumbered(dst []byte, raw []byte, src, atts [][]byte) ([]byte, [][]byte, error) {
	s := jsonScanner{data: raw, collectPlaceholders: true}
	if _, err := s.document(); err != nil {
		return dst, atts, ErrInvalidJSON
	}
	slices.SortFunc(s.placeholders, func(a, b placeholder) int { return a.start - b.start })
	last := 0
	for _, ph := range s.placeholders {
		if ph.start < last {
			continue // nested inside a placeholder already replaced
		}
		if ph.num < 0 || ph.num >= len(src) {
			return dst, atts, ErrIllegalAttachments
		}
		dst = append(dst, raw[last:ph.start]...)
		dst = AppendPlaceholder(dst, len(atts))
		atts = append(atts, src[ph.num])
		last = ph.end
	}
	return append(dst, raw[last:]...), atts, nil
}

// AppendString appends s as a JSON string, escaped as JSON.stringify does.
func AppendString(dst []byte, s string) []byte { return jsonw.AppendString(dst, s) }
