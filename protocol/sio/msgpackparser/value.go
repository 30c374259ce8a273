package msgpackparser

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/internal/govalue"
	"github.com/vmihailenco/msgpack/v5"
)

// Appender is a value that writes its own msgpack: AppendValue calls it
// wherever the value is nested. A received argument forwarded unchanged is
// one.
type Appender interface {
	AppendMsgpack(dst []byte) ([]byte, error)
}

var (
	appenderType      = reflect.TypeFor[Appender]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	numberType        = reflect.TypeFor[json.Number]()
	mpMarshalerType   = reflect.TypeFor[msgpack.Marshaler]()
	mpCustomEncType   = reflect.TypeFor[msgpack.CustomEncoder]()
	errInvalidMarshal = errors.New("msgpackparser: MarshalMsgpack returned invalid msgpack")
)

// AppendValue appends v as msgpack such that a client decodes the value the
// default parser would have sent: encoding/json's rules (field tags and
// options, embedded structs, map keys written as strings and sorted,
// json.Marshaler and encoding.TextMarshaler output, json.RawMessage and
// json.Number as the values they hold) and its errors for what it cannot
// encode (channels, funcs, NaN, a cycle), except that []byte travels as
// msgpack bin. A JSON number (from a Marshaler, json.RawMessage or
// json.Number) is an integer when it fits 64 bits, else a float64, as
// JavaScript reads it. An Appender writes itself; a msgpack.Marshaler or
// msgpack.CustomEncoder (msgpack.RawMessage among them) writes what it
// chooses.
func AppendValue(dst []byte, v any) ([]byte, error) {
	e := valueEncoder{dst: dst}
	err := e.any(v)
	return e.dst, err
}

type valueEncoder struct {
	dst   []byte
	guard govalue.Guard
}

// any writes the shapes dynamic values mostly take without reflection (the
// msgpack library did too), and hands everything else to value.
func (e *valueEncoder) any(x any) error {
	switch v := x.(type) {
	case nil:
		e.dst = append(e.dst, 0xc0)
		return nil
	case string:
		e.str(v)
		return nil
	case bool:
		if v {
			e.dst = append(e.dst, 0xc3)
		} else {
			e.dst = append(e.dst, 0xc2)
		}
		return nil
	case int:
		e.int(int64(v))
		return nil
	case int64:
		e.int(v)
		return nil
	case float64:
		return e.float(v, 64)
	case []byte:
		if v == nil {
			e.dst = append(e.dst, 0xc0)
		} else {
			e.bin(v)
		}
		return nil
	case map[string]any:
		if v == nil {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		if !e.guard.EnterShallow() {
			break // deep enough to look for a cycle: by reflection
		}
		defer e.guard.LeaveShallow()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.header(len(keys), 0x80, 0xde)
		for _, k := range keys {
			e.str(k)
			if err := e.any(v[k]); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if v == nil {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		if !e.guard.EnterShallow() {
			break
		}
		defer e.guard.LeaveShallow()
		e.header(len(v), 0x90, 0xdc)
		for _, x := range v {
			if err := e.any(x); err != nil {
				return err
			}
		}
		return nil
	}
	return e.value(reflect.ValueOf(x))
}

// typeInfo is what the encoder needs to know of a type before its kind.
type typeInfo struct {
	own    ownMethod // a method that writes msgpack, if any
	ownPtr bool      // own is on the pointer: only for an addressable value
	mars   govalue.Marshalers
	bytes  bool // govalue.IsBytes
}

type ownMethod uint8

const (
	ownNone ownMethod = iota
	ownAppender
	ownMarshaler // msgpack.Marshaler
	ownCustom    // msgpack.CustomEncoder
)

var typeInfos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if cached, ok := typeInfos.Load(t); ok {
		return cached.(*typeInfo)
	}
	info := &typeInfo{mars: govalue.MarshalersOf(t), bytes: govalue.IsBytes(t)}
	for _, m := range []struct {
		method ownMethod
		iface  reflect.Type
	}{{ownAppender, appenderType}, {ownMarshaler, mpMarshalerType}, {ownCustom, mpCustomEncType}} {
		if t.Implements(m.iface) {
			info.own = m.method
			break
		}
		if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(m.iface) {
			info.own, info.ownPtr = m.method, true
			break
		}
	}
	typeInfos.Store(t, info)
	return info
}

func (e *valueEncoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.dst = append(e.dst, 0xc0)
		return nil
	}
	t := v.Type()
	if t.Kind() == reflect.Interface || (t.Kind() == reflect.Pointer && v.IsNil()) {
		if v.IsNil() {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		if v.CanInterface() {
			return e.any(v.Elem().Interface()) // no copy: what an interface holds is not addressable
		}
		return e.value(v.Elem())
	}
	switch t {
	case rawMessageType:
		if v.IsNil() {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		return e.json(v.Bytes())
	case numberType:
		return e.number(v.String())
	}
	info := infoOf(t)
	if info.own != ownNone && (!info.ownPtr || v.CanAddr()) && v.CanInterface() {
		return e.own(v, info)
	}
	if info.mars.Any() {
		if jm, tm := info.mars.Of(v); jm != nil {
			b, err := jm.MarshalJSON()
			if err == nil {
				err = e.json(b)
			}
			if err != nil {
				return &json.MarshalerError{Type: t, Err: err}
			}
			return nil
		} else if tm != nil {
			b, err := tm.MarshalText()
			if err != nil {
				return &json.MarshalerError{Type: t, Err: err}
			}
			e.str(string(b))
			return nil
		}
	}
	if info.bytes {
		if v.IsNil() {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		e.bin(v.Bytes())
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if v.Bool() {
			e.dst = append(e.dst, 0xc3)
		} else {
			e.dst = append(e.dst, 0xc2)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		return e.float(v.Float(), t.Bits())
	case reflect.String:
		e.str(v.String())
	case reflect.Pointer:
		if err := e.guard.Enter(v); err != nil {
			return err
		}
		defer e.guard.Leave(v)
		return e.value(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			e.dst = append(e.dst, 0xc0)
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
	default:
		return &json.UnsupportedTypeError{Type: t}
	}
	return nil
}

// own lets a value that writes its own msgpack do so: an Appender, a
// msgpack.Marshaler or a msgpack.CustomEncoder.
func (e *valueEncoder) own(v reflect.Value, info *typeInfo) error {
	x := v
	if info.ownPtr {
		x = v.Addr()
	}
	switch info.own {
	case ownAppender:
		var err error
		e.dst, err = x.Interface().(Appender).AppendMsgpack(e.dst)
		return err
	case ownMarshaler:
		b, err := x.Interface().(msgpack.Marshaler).MarshalMsgpack()
		if err != nil {
			return err
		}
		if end, _, _, err := value(b, 0, 0); err != nil || end != len(b) {
			return errInvalidMarshal
		}
		e.dst = append(e.dst, b...)
		return nil
	default:
		w := &appendWriter{b: e.dst}
		err := x.Interface().(msgpack.CustomEncoder).EncodeMsgpack(msgpack.NewEncoder(w))
		e.dst = w.b
		return err
	}
}

func (e *valueEncoder) array(v reflect.Value) error {
	e.header(v.Len(), 0x90, 0xdc)
	for i := range v.Len() {
		if err := e.value(v.Index(i)); err != nil {
			return err
		}
	}
	return nil
}

func (e *valueEncoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.dst = append(e.dst, 0xc0)
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
	e.header(len(keys), 0x80, 0xde)
	for _, k := range keys {
		e.str(k.Name)
		if err := e.value(k.Value); err != nil {
			return err
		}
	}
	return nil
}

func (e *valueEncoder) structValue(v reflect.Value) error {
	fields := govalue.Fields(v.Type())
	start := e.reserve() // omitted fields are known only as they come
	n := 0
	for _, f := range fields {
		fv, ok := govalue.FieldByIndex(v, f)
		if !ok || govalue.Omit(f, fv) {
			continue
		}
		n++
		e.str(f.Name)
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
	e.fill(start, n, 0x80, 0xde)
	return nil
}

// quoted writes a ",string" field: a string holding its JSON (a nil pointer
// stays nil), as encoding/json does.
func (e *valueEncoder) quoted(v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.dst = append(e.dst, 0xc0)
			return nil
		}
		v = v.Elem()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.Interface()); err != nil {
		return err
	}
	e.str(string(bytes.TrimSuffix(b.Bytes(), []byte{'\n'})))
	return nil
}

// json writes a JSON document as the msgpack value JSON.parse reads from
// it: keys in their order, a repeated key repeated (JSON.parse, and so the
// msgpack parser's decoder, keep the last), numbers as number does.
func (e *valueEncoder) json(data []byte) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil { // one valid value, else a *json.SyntaxError
		return err
	}
	_, err := e.jsonValue(buf.Bytes(), 0)
	return err
}

// jsonValue copies the value at data[i] and returns where it ends. data is
// json.Compact's output: valid, no white space, at most 10000 levels deep.
func (e *valueEncoder) jsonValue(data []byte, i int) (int, error) {
	switch c := data[i]; c {
	case '{', '[':
		start := e.reserve()
		n := 0
		i++
		for data[i] != '}' && data[i] != ']' {
			if n > 0 {
				i++ // ','
			}
			var err error
			if c == '{' {
				if i, err = e.jsonString(data, i); err != nil {
					return i, err
				}
				i++ // ':'
			}
			if i, err = e.jsonValue(data, i); err != nil {
				return i, err
			}
			n++
		}
		if c == '{' {
			e.fill(start, n, 0x80, 0xde)
		} else {
			e.fill(start, n, 0x90, 0xdc)
		}
		return i + 1, nil
	case '"':
		return e.jsonString(data, i)
	case 't':
		e.dst = append(e.dst, 0xc3)
		return i + 4, nil
	case 'f':
		e.dst = append(e.dst, 0xc2)
		return i + 5, nil
	case 'n':
		e.dst = append(e.dst, 0xc0)
		return i + 4, nil
	}
	end := i
	for end < len(data) && bytes.IndexByte([]byte("+-.0123456789eE"), data[end]) >= 0 {
		end++
	}
	e.literal(string(data[i:end]))
	return end, nil
}

// jsonString copies the string at data[i] and returns where it ends.
func (e *valueEncoder) jsonString(data []byte, i int) (int, error) {
	end, escaped := i+1, false
	for data[end] != '"' {
		if data[end] == '\\' {
			escaped = true
			end++
		}
		end++
	}
	end++
	if !escaped {
		e.str(string(data[i+1 : end-1]))
		return end, nil
	}
	var s string
	if err := json.Unmarshal(data[i:end], &s); err != nil {
		return end, err
	}
	e.str(s)
	return end, nil
}

// reserve makes room for a container header whose count is not known yet
// (msgpack puts it first); fill writes it and closes the gap.
func (e *valueEncoder) reserve() int {
	start := len(e.dst)
	e.dst = append(e.dst, 0, 0, 0, 0, 0)
	return start
}

func (e *valueEncoder) fill(start, n int, fix, wide16 byte) {
	var hdr [5]byte
	h := appendHeader(hdr[:0], n, fix, wide16)
	body := len(e.dst) - start - len(hdr)
	copy(e.dst[start+len(h):], e.dst[start+len(hdr):])
	copy(e.dst[start:], h)
	e.dst = e.dst[:start+len(h)+body]
}

// number writes a json.Number, which encoding/json checks is a JSON number.
func (e *valueEncoder) number(s string) error {
	if s == "" {
		s = "0" // encoding/json writes an empty Number as 0
	}
	if c := s[0]; !(c == '-' || '0' <= c && c <= '9') || !json.Valid([]byte(s)) {
		return errors.New("json: invalid number literal " + strconv.Quote(s))
	}
	e.literal(s)
	return nil
}

// literal writes a valid JSON number literal as JavaScript reads it: an
// integer when it is one that fits, else a float64.
func (e *valueEncoder) literal(s string) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && (i != 0 || s[0] != '-') { // -0 is a float
		e.int(i)
		return
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		e.uint(u)
		return
	}
	f, _ := strconv.ParseFloat(s, 64) // out of range: ±Inf, as JSON.parse
	e.float64(f)
}

func (e *valueEncoder) float(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	if bits == 32 {
		// The float64 JavaScript reads from the shortest decimal of the
		// float32, as from encoding/json's text: 0.1, not 0.10000000149.
		f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
	}
	e.float64(f)
	return nil
}

func (e *valueEncoder) float64(f float64) {
	e.dst = append(e.dst, 0xcb)
	e.dst = binary.BigEndian.AppendUint64(e.dst, math.Float64bits(f))
}

func (e *valueEncoder) int(i int64) {
	switch {
	case i >= 0:
		e.uint(uint64(i))
	case i >= -32:
		e.dst = append(e.dst, byte(i))
	case i >= math.MinInt8:
		e.dst = append(e.dst, 0xd0, byte(i))
	case i >= math.MinInt16:
		e.dst = binary.BigEndian.AppendUint16(append(e.dst, 0xd1), uint16(i))
	case i >= math.MinInt32:
		e.dst = binary.BigEndian.AppendUint32(append(e.dst, 0xd2), uint32(i))
	default:
		e.dst = binary.BigEndian.AppendUint64(append(e.dst, 0xd3), uint64(i))
	}
}

func (e *valueEncoder) uint(u uint64) {
	switch {
	case u <= 0x7f:
		e.dst = append(e.dst, byte(u))
	case u <= math.MaxUint8:
		e.dst = append(e.dst, 0xcc, byte(u))
	case u <= math.MaxUint16:
		e.dst = binary.BigEndian.AppendUint16(append(e.dst, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		e.dst = binary.BigEndian.AppendUint32(append(e.dst, 0xce), uint32(u))
	default:
		e.dst = binary.BigEndian.AppendUint64(append(e.dst, 0xcf), u)
	}
}

// str writes s as a msgpack str; invalid UTF-8 becomes U+FFFD, byte by
// byte, as encoding/json writes it, so every string is valid.
func (e *valueEncoder) str(s string) {
	s = validUTF8(s)
	n := len(s)
	switch {
	case n < 32:
		e.dst = append(e.dst, 0xa0|byte(n))
	case n <= math.MaxUint8:
		e.dst = append(e.dst, 0xd9, byte(n))
	case n <= math.MaxUint16:
		e.dst = binary.BigEndian.AppendUint16(append(e.dst, 0xda), uint16(n))
	default:
		e.dst = binary.BigEndian.AppendUint32(append(e.dst, 0xdb), uint32(n))
	}
	e.dst = append(e.dst, s...)
}

// validUTF8 replaces each byte of s that is not valid UTF-8 with U+FFFD, as
// encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	fixed := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		fixed = utf8.AppendRune(fixed, r) // RuneError for an invalid byte
		s = s[n:]
	}
	return string(fixed)
}

func (e *valueEncoder) bin(b []byte) {
	n := len(b)
	switch {
	case n <= math.MaxUint8:
		e.dst = append(e.dst, 0xc4, byte(n))
	case n <= math.MaxUint16:
		e.dst = binary.BigEndian.AppendUint16(append(e.dst, 0xc5), uint16(n))
	default:
		e.dst = binary.BigEndian.AppendUint32(append(e.dst, 0xc6), uint32(n))
	}
	e.dst = append(e.dst, b...)
}

func (e *valueEncoder) header(n int, fix, wide16 byte) {
	e.dst = appendHeader(e.dst, n, fix, wide16)
}

// appendHeader appends an array (fix 0x90, 16-bit 0xdc) or map (0x80,
// 0xde) header for n elements; the 32-bit form is wide16+1.
func appendHeader(dst []byte, n int, fix, wide16 byte) []byte {
	switch {
	case n < 16:
		return append(dst, fix|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, wide16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(dst, wide16+1), uint32(n))
	}
}

// AppendArrayHeader appends the header of an array of n elements, for a
// caller that writes the elements with AppendValue.
func AppendArrayHeader(dst []byte, n int) []byte { return appendHeader(dst, n, 0x90, 0xdc) }
