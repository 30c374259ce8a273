package emitter

import (
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// What both formats share: the checks the npm emitters make (and a few
// they do not, where a JavaScript server could not read back what was
// written), and the event data in the cluster's value model.

// eventPacket is socket.io-parser's EVENT; the servers turn it into
// BINARY_EVENT themselves when the data holds binary.
const eventPacket = int(sio.Event)

// ErrReservedEvent refuses an event name the Socket.IO servers and clients
// keep for themselves.
var ErrReservedEvent = errors.New("emitter: reserved event name")

// ErrAck refuses a function argument: an emitter receives no
// acknowledgement.
var ErrAck = errors.New("emitter: acknowledgements are not supported")

// reserved are socket.io's RESERVED_EVENTS.
var reserved = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

func checkEvent(event string) error {
	if reserved[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return checkText("event name", event)
}

func checkRooms(rooms []string) error {
	for _, r := range rooms {
		if err := checkText("room", r); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses a string a JavaScript peer could not read back as it
// was written.
func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return errorf("%s %q is not valid UTF-8", what, s)
	}
	return nil
}

// eventData is the packet's data, [event, ...args], in the cluster's value
// model: each argument encoded with encoding/json's rules, its []byte kept
// as binary.
func eventData(event string, args []any) ([]any, error) {
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	for i, a := range args {
		if a != nil && reflect.TypeOf(a).Kind() == reflect.Func {
			return nil, fmt.Errorf("%w (event %q argument %d is a %T)", ErrAck, event, i, a)
		}
		raw, atts, err := sio.AppendJSON(nil, a, nil)
		if err != nil {
			return nil, errorf("event %q argument %d (%T): %w", event, i, a, err)
		}
		v, err := value.ParseJSON(raw, atts, false)
		if err != nil {
			return nil, errorf("event %q argument %d (%T): %w", event, i, a, err)
		}
		data = append(data, v)
	}
	return data, nil
}

// object builds a JSON object with its keys in the order given.
func object(kv ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

// array is rooms as a value array, [] when empty.
func array(rooms []string) []any {
	out := make([]any, len(rooms))
	for i, r := range rooms {
		out[i] = r
	}
	return out
}

// flagsObject is the target's flags as an object, {} when none is set.
func (t target) flagsObject() *value.Map {
	if t.flags == nil {
		return &value.Map{}
	}
	return t.flags
}

func errorf(format string, args ...any) error { return fmt.Errorf("emitter: "+format, args...) }
