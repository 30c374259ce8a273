package emitter

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/actorio/actorio/adapter/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// What the emitter writes, in the shapes @socket.io/redis-emitter 5.1
// writes them and @socket.io/redis-adapter 8.3 reads them.

// eventPacket is socket.io-parser's EVENT; the servers turn it into
// BINARY_EVENT themselves when the data holds binary.
const eventPacket = int(sio.Event)

// requestType numbers the adapter's requests (its RequestType enum).
type requestType int

const (
	requestRemoteJoin       requestType = 2
	requestRemoteLeave      requestType = 3
	requestRemoteDisconnect requestType = 4
	requestServerSideEmit   requestType = 6
)

// broadcastOptions is the third element of a broadcast, in the npm
// emitter's key order.
type broadcastOptions struct {
	Rooms  []string `json:"rooms"`
	Flags  value.V  `json:"flags"`
	Except []string `json:"except"`
}

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

func nonNil(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return rooms
}

// publishRequest publishes req as JSON (as JSON.stringify writes it) on
// the namespace's request channel.
func (e *Emitter) publishRequest(ctx context.Context, req *value.Map) error {
	msg, _, err := value.AppendJSON(nil, req, nil, false)
	if err != nil {
		return errorf("encode the request: %w", err)
	}
	return e.publish(ctx, e.key+"-request#"+e.nsp+"#", msg)
}

func (e *Emitter) publish(ctx context.Context, channel string, msg []byte) error {
	if err := e.client.Publish(ctx, channel, msg).Err(); err != nil {
		return errorf("publish to %s: %w", channel, err)
	}
	return nil
}

func errorf(format string, args ...any) error { return fmt.Errorf("emitter: "+format, args...) }
