package actorio

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

// Args are an event's or an ack's arguments as received, decoded only on
// demand: a relay can forward Raw(i) untouched.
type Args struct {
	raw   [][]byte
	atts  [][]byte
	codec codec
}

// Len is the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Decode fills v (a pointer) from argument i, alike with both parsers.
//
// Into a *Value, the argument is kept exactly as sent: keys in their
// order, binary as []byte (Node: the value a handler receives).
//
// Anything else is decoded by encoding/json's rules (a msgpack argument
// is read as its JSON form), so typed parameters, structs and their tags
// work the same with either parser, and binary at any depth decodes into
// []byte fields. Into an any, the value is what encoding/json makes of
// JSON, whichever parser carried it: every number a float64 (an integer
// sent with msgpack too: never int8, uint64...), an object a
// map[string]any (key order lost), an array []any, binary its base64
// string. For exact large integers decode into int64, uint64 or
// json.Number; for binary and key order, into a Value.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("actorio: argument %d of %d", i, len(a.raw))
	}
	if pv, ok := v.(*Value); ok {
		x, err := decodeValue(a.codec, a.raw[i], a.atts)
		if err != nil {
			return fmt.Errorf("actorio: argument %d: %w", i, err)
		}
		*pv = x
		return nil
	}
	return a.codec.decode(a.raw[i], a.atts, v)
}

// Raw returns argument i as JSON, without decoding it for the default
// parser (the bytes the client sent). Pass it to Emit to forward it as is.
// An argument holding binary keeps its placeholders here (with msgpack,
// binary is a base64 string): forward those with Forward, decode them with
// Decode.
func (a Args) Raw(i int) json.RawMessage {
	if _, ok := a.codec.(jsonCodec); ok && len(a.atts) == 0 && i >= 0 && i < len(a.raw) {
		return a.raw[i]
	}
	var r json.RawMessage
	if a.Decode(i, &r) != nil {
		return nil
	}
	return r
}

// Forward returns the arguments ready to pass to Emit or Ack.Send as they
// came, binary included, without decoding them: emit(name, a.Forward()...).
// Each may also be nested in a value: Emit(name, map[string]any{"from": id,
// "msg": a.Forward()[0]}) sends the argument inside the map, its binary
// with it. A server can only send the arguments a server with the same
// Parser received; otherwise Emit returns an error.
func (a Args) Forward() []any {
	// Pointers into one array, which an interface holds without a copy
	// each; one argument (the common echo) is a single allocation.
	if len(a.raw) == 1 {
		one := &struct {
			out [1]any
			f   forwarded
		}{f: forwarded{raw: a.raw[0], atts: a.atts, codec: a.codec}}
		one.out[0] = &one.f
		return one.out[:]
	}
	out := make([]any, len(a.raw))
	fs := make([]forwarded, len(a.raw))
	for i, r := range a.raw {
		fs[i] = forwarded{raw: r, atts: a.atts, codec: a.codec}
		out[i] = &fs[i]
	}
	return out
}

// Ack answers an event the client sent (Node: the callback a handler gets
// as its last argument). Requested says whether the client asked for an
// answer; Send gives it, at most once. Its zero value is an event that
// asked for none. Safe from any goroutine, and usable after the handler
// has returned.
type Ack struct{ p *pendingAck }

// pendingAck is an answer a client (or, for a server-side event, another
// server) waits for.
type pendingAck struct {
	sent atomic.Bool
	send func(args []any) error // nil: answer the client's event id on nsp
	// A client's event (the common case) is answered without a closure:
	// one allocation per acked event instead of two.
	client *client
	nsp    string
	id     uint64
}

func newAck(send func(args []any) error) Ack { return Ack{&pendingAck{send: send}} }

// Requested reports whether the client asked for an acknowledgement,
// without using it up. Node: typeof lastArg === "function".
func (a Ack) Requested() bool { return a.p != nil }

// Send answers the client with args (Node: ack(...args)). It sends at most
// once: a second call returns ErrAckSent. Without a request from the client
// it sends nothing and returns ErrNoAck. Arguments that cannot be encoded
// are an error that leaves the ack unanswered, to answer otherwise.
func (a Ack) Send(args ...any) error {
	if a.p == nil {
		return ErrNoAck
	}
	if !a.p.sent.CompareAndSwap(false, true) {
		return ErrAckSent
	}
	var err error
	if a.p.send != nil {
		err = a.p.send(args)
	} else {
		err = a.p.client.sendAck(a.p.nsp, a.p.id, args)
	}
	if err != nil {
		a.p.sent.Store(false)
		return err
	}
	return nil
}

var (
	// ErrAckSent is returned by Ack.Send called twice.
	ErrAckSent = errors.New("actorio: ack already sent")
	// ErrNoAck is returned by Ack.Send for an event that asked for none.
	ErrNoAck = errors.New("actorio: the client asked for no ack")
)

var (
	ackType   = reflect.TypeFor[Ack]()
	argsType  = reflect.TypeFor[Args]()
	errorType = reflect.TypeFor[error]()
)

// handler is a user's event handler, checked once at registration: the
// func itself and, for a shape that needs reflection, its parameters
// (shared by every handler of that func type). Three words, held in the
// socket's handler lists by value: a connection's handlers cost little.
type handler struct {
	fn    any
	shape *handlerShape // nil for the shapes call runs directly
}

// handlerShape is what calling a reflective handler needs of its type.
type handlerShape struct {
	params  []reflect.Type // decoded arguments, in order
	rawArgs bool           // takes Args (all arguments, raw)
	ack     bool           // last parameter is Ack
}

// handlerShapes caches each func type's shape (reflect.Type ->
// *handlerShape): every connection registers the same handler types.
var handlerShapes sync.Map

// newHandler accepts func(T1, T2, ..., [Ack]) or func(Args, [Ack]),
// optionally returning an error (logged).
func newHandler(fn any) (handler, error) {
	switch fn.(type) {
	// The shapes relays and acks use most are called directly (call):
	// reflect.Call costs a large frame on the socket's fresh goroutine
	// every event.
	case func(Args, Ack), func(Args), func(Ack), func(), func(Args, Ack) error:
		return handler{fn: fn}, nil
	}
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func {
		return handler{}, fmt.Errorf("actorio: handler is a %s, not a func", t)
	}
	if shape, ok := handlerShapes.Load(t); ok {
		return handler{fn: fn, shape: shape.(*handlerShape)}, nil
	}
	if t.NumOut() > 1 || (t.NumOut() == 1 && t.Out(0) != errorType) {
		return handler{}, fmt.Errorf("actorio: handler %s may only return an error", t)
	}
	shape := &handlerShape{}
	n := t.NumIn()
	if n > 0 && t.In(n-1) == ackType {
		shape.ack = true
		n--
	}
	for i := range n {
		switch p := t.In(i); {
		case p == argsType && n == 1:
			shape.rawArgs = true
		case p == argsType || p == ackType:
			return handler{}, fmt.Errorf("actorio: handler %s: Args must be the only argument, Ack the last", t)
		default:
			shape.params = append(shape.params, p)
		}
	}
	handlerShapes.Store(t, shape)
	return handler{fn: fn, shape: shape}, nil
}

// call decodes args into the handler's types and calls it. An argument
// that does not decode is an *ArgumentError: the handler is not called.
func (h handler) call(event string, args Args, ack Ack) error {
	switch f := h.fn.(type) {
	case func(Args, Ack):
		f(args, ack)
		return nil
	case func(Args):
		f(args)
		return nil
	case func(Ack):
		f(ack)
		return nil
	case func():
		f()
		return nil
	case func(Args, Ack) error:
		return f(args, ack)
	}
	in, err := h.decode(event, args, ack)
	if err != nil {
		return err
	}
	return h.invoke(in)
}

// decode returns the reflective handler's arguments, or an *ArgumentError.
func (h handler) decode(event string, args Args, ack Ack) ([]reflect.Value, error) {
	sh := h.shape
	in := make([]reflect.Value, 0, len(sh.params)+2)
	if sh.rawArgs {
		in = append(in, reflect.ValueOf(args))
	}
	for i, p := range sh.params {
		v := reflect.New(p)
		if i < args.Len() {
			if err := args.Decode(i, v.Interface()); err != nil {
				return nil, &ArgumentError{Event: event, Index: i, Type: p, Err: err, Ack: ack}
			}
		}
		in = append(in, v.Elem())
	}
	if sh.ack {
		in = append(in, reflect.ValueOf(ack))
	}
	return in, nil
}

func (h handler) invoke(in []reflect.Value) error {
	out := reflect.ValueOf(h.fn).Call(in)
	if len(out) == 1 && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

// ArgumentError reports an event argument that did not decode into the type
// its handler declares. That handler is not called; the error goes to the
// socket's OnError listeners, is logged at warn level and counted
// (actorio_event_decode_errors_total).
//
// No acknowledgement is sent for the event on the server's initiative (as
// in Node when middleware refuses an event): the client's ack callback gets
// its timeout. A listener that wants the client to hear of it answers with
// Ack.Send, in whatever shape the application's clients expect.
type ArgumentError struct {
	Event string       // the event's name
	Index int          // the argument's position, 0 for the first after the name
	Type  reflect.Type // the type the handler declares for it
	Err   error        // the decoder's error
	// Ack answers the event, once, as the handler would have (Ack.Send);
	// Ack.Requested says whether the client asked for an answer.
	Ack Ack
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("actorio: event %q argument %d does not decode into %s: %v", e.Event, e.Index, e.Type, e.Err)
}

func (e *ArgumentError) Unwrap() error { return e.Err }
