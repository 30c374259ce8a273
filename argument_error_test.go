package actorio_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// An event whose arguments do not fit its handler's types reaches the
// socket's error listeners as an *ArgumentError, a warn-level log line and
// a metric; the handler is not called and no ack goes out unless the
// listener sends one.

type movePos struct {
	X int `json:"x"`
}

func TestArgumentMismatchReported(t *testing.T) {
	const secret = "s3cret-payload" // must never reach the log above trace level
	for _, parser := range []string{"json", "msgpack"} {
		t.Run(parser, func(t *testing.T) {
			var logs syncBuffer
			opts := &actorio.Options{}
			opts.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel)
			if parser == "msgpack" {
				opts.Parser = actorio.ParserMsgpack
			}
			srv, base := startServer(t, opts)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("server log:\n%s", logs.String())
				}
			})
			reg := prometheus.NewRegistry()
			reg.MustRegister(srv.Metrics())
			errs := make(chan error, 4)
			calls := make(chan string, 4)
			sids := make(chan string, 1)
			srv.OnConnection(func(s *actorio.Socket) {
				s.OnError(func(err error) {
					errs <- err
					var ae *actorio.ArgumentError
					if errors.As(err, &ae) && ae.Index == 1 {
						_ = ae.Ack.Send("refused", ae.Index) // the application's own answer
					}
				})
				_ = s.On("move", func(n int, p movePos, ack actorio.Ack) error {
					calls <- "move"
					return ack.Send("ok", n, p.X)
				})
				sids <- s.ID()
			})
			c := dialParser(t, base, parser == "msgpack")
			c.connect()
			sid := testkit.Recv(t, sids, "the connection")

			move := func(id uint64, args ...any) {
				t.Helper()
				p := sio.Packet{Type: sio.Event, Namespace: "/", ID: id, HasID: true}
				all := append([]any{"move"}, args...)
				if c.msgpack {
					p.Data = mp(t, all)
				} else {
					p.Data, _ = json.Marshal(all)
				}
				c.sendPacket(p)
			}
			move(1, secret, map[string]any{"x": 1})    // argument 0 is no int
			move(2, 5, map[string]any{"x": secret})    // argument 1 is no movePos
			move(3, 5, map[string]any{"x": 2})         // fits
			move(4, 1.5, map[string]any{"x": 3})       // argument 0 again
			move(5, []any{1}, map[string]any{"x": 4})  // and once more: logged at debug
			move(6, 6, map[string]any{"x": 5, "y": 0}) // fits: extra fields are ignored

			for _, want := range []struct {
				index int
				typ   reflect.Type
			}{{0, reflect.TypeFor[int]()}, {1, reflect.TypeFor[movePos]()}, {0, reflect.TypeFor[int]()}, {0, reflect.TypeFor[int]()}} {
				err := testkit.Recv(t, errs, "an error for the error listener")
				var ae *actorio.ArgumentError
				if !errors.As(err, &ae) || ae.Event != "move" || ae.Index != want.index || ae.Type != want.typ || ae.Err == nil {
					t.Fatalf("OnError got %v, want an *ArgumentError for move's argument %d (%v)", err, want.index, want.typ)
				}
				if msg := err.Error(); !strings.Contains(msg, `event "move" argument `) || !strings.Contains(msg, want.typ.String()) {
					t.Errorf("ArgumentError.Error() = %q, want it to name the event, the argument and %v", msg, want.typ)
				}
			}
			// Only the acks the handler or the listener sent, in order: none
			// for 1, 4 and 5.
			for _, want := range []struct {
				id   uint64
				data []any
			}{{2, []any{"refused", 1}}, {3, []any{"ok", 5, 2}}, {6, []any{"ok", 6, 5}}} {
				got := c.nextPacket()
				var wantData string
				if c.msgpack {
					wantData = string(mp(t, want.data))
				} else {
					b, _ := json.Marshal(want.data)
					wantData = string(b)
				}
				if got.Type != sio.Ack || got.ID != want.id || string(got.Data) != wantData {
					t.Fatalf("client got %v %d %q, want the ack %d %q", got.Type, got.ID, got.Data, want.id, wantData)
				}
			}
			if n := len(calls); n != 2 {
				t.Errorf("handler called %d times, want 2 (events 3 and 6)", n)
			}
			if v := metric(t, reg, "actorio_event_decode_errors_total", "namespace", "/"); v != 4 {
				t.Errorf("actorio_event_decode_errors_total{namespace=\"/\"} = %v, want 4", v)
			}
			var warns, debugs int
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, secret) {
					t.Errorf("the log holds the payload: %s", line)
				}
				var l struct{ Level, Message, SID, NSP, Event, Type string }
				var arg *int
				_ = json.Unmarshal([]byte(line), &l)
				_ = json.Unmarshal([]byte(line), &struct{ Arg **int }{&arg})
				if !strings.Contains(l.Message, "does not match the handler") {
					continue
				}
				if l.SID != sid || l.NSP != "/" || l.Event != "move" || arg == nil || l.Type == "" {
					t.Errorf("log line %s: want sid %s, nsp /, event move, arg and type", strings.TrimSpace(line), sid)
				}
				switch l.Level {
				case "warn":
					warns++
				case "debug":
					debugs++
				}
			}
			if warns != 1 || debugs != 3 {
				t.Errorf("logged %d warn and %d debug lines about mismatched arguments, want 1 warn (the first for the event) and 3 debug", warns, debugs)
			}
		})
	}
}
