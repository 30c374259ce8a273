package emitter_test

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
)

type cyclic struct {
	Next *cyclic `json:"next"`
}

// TestRefused checks that what cannot be sent faithfully is an error that
// says why, in both formats, and that nothing reaches Redis for it.
func TestRefused(t *testing.T) {
	loop := &cyclic{}
	loop.Next = loop
	tests := []struct {
		name    string
		call    func(ctx context.Context, e *emitter.Emitter) error
		wantErr string // a part of the message
		wantIs  error  // nil: none
	}{
		{"reserved event", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("r").Emit(ctx, "disconnect")
		}, `emitter: reserved event name: "disconnect"`, emitter.ErrReservedEvent},
		{"every reserved event", func(ctx context.Context, e *emitter.Emitter) error {
			for _, ev := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
				if err := e.Emit(ctx, ev); !errors.Is(err, emitter.ErrReservedEvent) {
					return errors.New("Emit(" + ev + ") accepted")
				}
			}
			return e.Emit(ctx, "newListener")
		}, "reserved event name", emitter.ErrReservedEvent},
		{"reserved event, server-side", func(ctx context.Context, e *emitter.Emitter) error {
			return e.ServerSideEmit(ctx, "connect")
		}, `emitter: reserved event name: "connect"`, emitter.ErrReservedEvent},
		{"channel argument", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", 1, make(chan int))
		}, `emitter: event "ev" argument 1 (chan int): json: unsupported type: chan int`, nil},
		{"NaN nested", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", map[string]any{"x": []byte{1}, "y": math.NaN()})
		}, `emitter: event "ev" argument 0 (map[string]interface {}): json: unsupported value: NaN`, nil},
		{"cycle", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", loop)
		}, `emitter: event "ev" argument 0 (*emitter_test.cyclic)`, nil},
		{"failing Marshaler", func(ctx context.Context, e *emitter.Emitter) error {
			return e.ServerSideEmit(ctx, "ev", "ok", failingMarshaler{})
		}, `emitter: event "ev" argument 1 (emitter_test.failingMarshaler)`, errMarshal},
		{"function argument", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev", "q", func(string) {})
		}, `emitter: acknowledgements are not supported (event "ev" argument 1 is a func(string))`, emitter.ErrAck},
		{"function argument, server-side", func(ctx context.Context, e *emitter.Emitter) error {
			return e.ServerSideEmit(ctx, "ev", func() {})
		}, "acknowledgements are not supported", emitter.ErrAck},
		{"event not UTF-8", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Emit(ctx, "ev\xff")
		}, `emitter: event name "ev\xff" is not valid UTF-8`, nil},
		{"room not UTF-8", func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("ok", "r\xff").Emit(ctx, "ev")
		}, `emitter: room "r\xff" is not valid UTF-8`, nil},
		{"except not UTF-8", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Except("r\xff").DisconnectSockets(ctx, true)
		}, `emitter: room "r\xff" is not valid UTF-8`, nil},
		{"joined room not UTF-8", func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("ok").SocketsJoin(ctx, "r\xff")
		}, `emitter: room "r\xff" is not valid UTF-8`, nil},
		{"namespace not UTF-8", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("/n\xff").SocketsLeave(ctx, "r")
		}, `emitter: namespace "/n\xff" is not valid UTF-8`, nil},
		{"namespace not UTF-8, server-side", func(ctx context.Context, e *emitter.Emitter) error {
			return e.Of("/n\xff").ServerSideEmit(ctx, "ev")
		}, `emitter: namespace "/n\xff" is not valid UTF-8`, nil},
	}

	addr := startRedis(t)
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	ps := client.PSubscribe(ctx, "*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatalf("psubscribe: %v", err)
	}
	formats := []struct {
		name string
		e    *emitter.Emitter
	}{
		{"pubsub", emitter.New(client, nil)},
		{"streams", emitter.NewStreams(client, nil)},
	}
	for _, f := range formats {
		for _, tt := range tests {
			t.Run(f.name+"/"+tt.name, func(t *testing.T) {
				err := tt.call(ctx, f.e)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("%s = %v, want an error with %q", tt.name, err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("%s = %v, want errors.Is %v", tt.name, err, tt.wantIs)
				}
			})
		}
	}

	// Nothing was published: the next message is this marker.
	if err := formats[0].e.Emit(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Recv(t, ps.Channel(), "the marker"); !strings.Contains(m.Payload, "marker") {
		t.Errorf("first message after the refused calls = %q on %s, want the marker", m.Payload, m.Channel)
	}
	// Nor appended: the marker is the stream's only entry.
	if err := formats[1].e.Emit(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	if got := xrange(t, ctx, client, "socket.io", "-"); len(got) != 1 || !strings.Contains(got[0].get("data"), "marker") {
		t.Errorf("stream after the refused calls = %v, want the marker alone", got)
	}
}

var errMarshal = errors.New("no JSON today")

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errMarshal }

// TestRedisErrorReturned checks that a publish or an append Redis does not
// take is an error naming the channel or stream, for every kind of call.
func TestRedisErrorReturned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	// No retries: the first refusal is the answer.
	client := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	defer client.Close()
	e := emitter.New(client, &emitter.Options{Key: "app"}).Of("/n")
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()

	tests := []struct {
		name    string
		call    func() error
		channel string
	}{
		{"Emit", func() error { return e.Emit(ctx, "ev", 1) }, "app#/n#"},
		{"Emit to a room", func() error { return e.To("r").Emit(ctx, "ev") }, "app#/n#r#"},
		{"SocketsJoin", func() error { return e.SocketsJoin(ctx, "r") }, "app-request#/n#"},
		{"SocketsLeave", func() error { return e.SocketsLeave(ctx, "r") }, "app-request#/n#"},
		{"DisconnectSockets", func() error { return e.DisconnectSockets(ctx, false) }, "app-request#/n#"},
		{"ServerSideEmit", func() error { return e.ServerSideEmit(ctx, "ev") }, "app-request#/n#"},
	}
	for _, tt := range tests {
		err := tt.call()
		want := "emitter: publish to " + tt.channel + ": "
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s = %v, want an error starting %q", tt.name, err, want)
		}
	}

	s := emitter.NewStreams(client, &emitter.StreamsOptions{StreamName: "app", StreamCount: 3}).Of("/n")
	for _, call := range []struct {
		name string
		call func() error
	}{
		{"Emit", func() error { return s.Emit(ctx, "ev", []byte{1}) }},
		{"SocketsJoin", func() error { return s.SocketsJoin(ctx, "r") }},
		{"SocketsLeave", func() error { return s.SocketsLeave(ctx, "r") }},
		{"DisconnectSockets", func() error { return s.DisconnectSockets(ctx, false) }},
		{"ServerSideEmit", func() error { return s.ServerSideEmit(ctx, "ev") }},
	} {
		err := call.call()
		want := "emitter: append to stream app-1: " // "/n" hashes to 1567: stream 1 of 3
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("streams %s = %v, want an error starting %q", call.name, err, want)
		}
	}
}
