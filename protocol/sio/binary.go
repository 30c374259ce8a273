package sio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/actorio/actorio/protocol/internal/govalue"
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
	appenderType   = reflect.TypeFor[JSONAppender]()
)

// JSONAppender is a value that writes its own JSON into a packet, binary
// attachments included: AppendJSON calls it wherever the value is nested.
// It appends the value to dst and the attachments its placeholders refer
// to at the end of atts, numbered from len(atts). A received argument
// forwarded unchanged is one.
type JSONAppender interface {
	AppendJSON(dst []byte, atts [][]byte) ([]byte, [][]byte, error)
}

// AppendJSON appends v as compact JSON with every []byte replaced by a
// placeholder, and returns the attachments appended to atts. It follows
// encoding/json's rules (field tags and options, embedded structs, sorted
// map keys, Marshaler types, its errors for what it cannot encode, a cycle
// included) and JSON.stringify's string escaping. json.RawMessage is
// written as it is; a JSONAppender writes itself. A value with no []byte
// and no JSONAppender inside is handed to encoding/json whole.
func AppendJSON(dst []byte, v any, atts [][]byte) ([]byte, [][]byte, error) {
	e := binaryEncoder{dst: dst, atts: atts}
	err := e.value(reflect.ValueOf(v))
	return e.dst, e.atts, err
}

type binaryEncoder struct {
	dst   []byte
	atts  [][]byte
	guard govalue.Guard
}

func (e *binaryEncoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.dst = append(e.dst, "null"...)
		return nil
	}
	t := v.Type()
	if t.Kind() == reflect.Interface {
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		return e.value(v.Elem())
	}
	switch {
	case t == rawMessageType:
		raw := v.Bytes()
		if raw == nil {
			raw = []byte("null")
		}
		e.dst = append(e.dst, raw...)
		return nil
	case t.Implements(appenderType):
		if t.Kind() == reflect.Pointer && v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		var err error
		e.dst, e.atts, err = v.Interface().(JSONAppender).AppendJSON(e.dst, e.atts)
		return err
	case v.CanAddr() && reflect.PointerTo(t).Implements(appenderType):
		var err error
		e.dst, e.atts, err = v.Addr().Interface().(JSONAppender).AppendJSON(e.dst, e.atts)
		return err
	case govalue.IsBytes(t):
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
	case reflect.Pointer:
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		if err := e.guard.Enter(v); err != nil {
			return err
		}
		defer e.guard.Leave(v)
		return e.value(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		if err := e.guard.Enter(v); err != nil {
			return err
		}
		defer e.guard.Leave(v)
		return e.array(v)
	case reflect.Array:
		return e.array(v)
	case reflect.Map:
		return e.mapValue(v)
	case reflect.Struct:
		return e.structValue(v)
	}
	return e.marshal(v)
}

// marshal hands a binary-free value to encoding/json, without its HTML
// escaping, so strings come out as JSON.stringify writes them. An
// addressable value goes by pointer, so that encoding/json finds pointer
// methods as it would have in the enclosing value.
func (e *binaryEncoder) marshal(v reflect.Value) error {
	x := v.Interface()
	if v.CanAddr() && v.Kind() != reflect.Pointer {
		x = v.Addr().Interface()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return err
	}
	e.dst = append(e.dst, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
	return nil
}

func (e *binaryEncoder) array(v reflect.Value) error {
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
}

func (e *binaryEncoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.dst = append(e.dst, "null"...)
		return nil
	}
	if err := e.guard.Enter(v); err != nil {
		return err
	}
	defer e.guard.Leave(v)
	keys, err := govalue.MapKeys(v)
	if err != nil {
		return err
	}
	e.dst = append(e.dst, '{')
	for i, k := range keys {
		if i > 0 {
			e.dst = append(e.dst, ',')
		}
		e.dst = jsonw.AppendString(e.dst, k.Name)
		e.dst = append(e.dst, ':')
		if err := e.value(k.Value); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

func (e *binaryEncoder) structValue(v reflect.Value) error {
	e.dst = append(e.dst, '{')
	first := true
	for _, f := range govalue.Fields(v.Type()) {
		fv, ok := govalue.FieldByIndex(v, f)
		if !ok || govalue.Omit(f, fv) {
			continue
		}
		if !first {
			e.dst = append(e.dst, ',')
		}
		first = false
		e.dst = jsonw.AppendString(e.dst, f.Name)
		e.dst = append(e.dst, ':')
		var err error
		if f.Quoted {
			err = e.quoted(fv)
		} else {
			err = e.value(fv)
		}
		if err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

// quoted writes a ",string" field: its JSON inside a JSON string (a nil
// pointer stays null), as encoding/json does.
func (e *binaryEncoder) quoted(v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		v = v.Elem()
	}
	start := len(e.dst)
	if err := e.marshal(v); err != nil {
		return err
	}
	inner := string(e.dst[start:])
	e.dst = jsonw.AppendString(e.dst[:start], inner)
	return nil
}

// mayHoldBinary reports whether a value of type t can contain a []byte that
// must become an attachment, or a JSONAppender. Interfaces may; Marshaler
// types never do.
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
	switch {
	case t.Implements(appenderType) || reflect.PointerTo(t).Implements(appenderType):
		return true
	case t == rawMessageType || govalue.Marshals(t) || govalue.Marshals(reflect.PointerTo(t)):
		return false
	case govalue.IsBytes(t):
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return mayHoldBinary(t.Elem())
	case reflect.Struct:
		for _, f := range govalue.Fields(t) {
			if mayHoldBinary(t.FieldByIndex(f.Index).Type) {
				return true
			}
		}
	}
	return false
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
