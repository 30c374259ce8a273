package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// The actors' tests run them in a protoactor system inside a
// testing/synctest bubble (fake time: ticks and grace periods take no real
// time) against a fake gateway that records the commands it gets, and feed
// them the actormsg messages a server would send.

var testCfg = config{Nsp: "/", MatchSize: 2, TickHz: 20, Period: 50 * time.Millisecond, Grace: time.Second}

// world is one test's actor system, fake gateway and the acks answered.
type world struct {
	t      *testing.T
	system *actor.ActorSystem
	gw     *actor.PID

	mu      sync.Mutex
	cmds    []any             // what the gateway got, in order
	acks    map[string]string // "socket/event#n" -> the JSON answer
	noJoin  map[string]bool   // sockets the gateway refuses to join
	answers int
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, acks: map[string]string{}, noJoin: map[string]bool{},
		system: actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil))
		}))}
	w.gw = w.system.Root.Spawn(actor.PropsFromFunc(w.gateway))
	return w
}

// gateway records commands and answers a Request with a Done, as the
// server's does.
func (w *world) gateway(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actormsg.Join, *actormsg.Emit:
		w.mu.Lock()
		w.cmds = append(w.cmds, m)
		var err error
		if j, ok := m.(*actormsg.Join); ok && w.noJoin[j.Socket] {
			err = actormsg.ErrNoSocket
		}
		w.mu.Unlock()
		if ctx.Sender() != nil {
			ctx.Respond(&actormsg.Done{Err: err})
		}
	}
}

// spawnMatchmaker starts the matchmaker, as main does.
func (w *world) spawnMatchmaker(cfg config) *actor.PID {
	pid, err := w.system.Root.SpawnNamed(matchmakerProps(cfg, w.gw, zerolog.Nop()), "lobby")
	if err != nil {
		w.t.Fatal(err)
	}
	return pid
}

// stop stops pid and waits, so that no timer outlives the bubble.
func (w *world) stop(pid *actor.PID) {
	if err := w.system.Root.StopFuture(pid).Wait(); err != nil {
		w.t.Fatalf("stop %v: %v", pid, err)
	}
	synctest.Wait()
}

func (w *world) send(to *actor.PID, msg any) {
	w.system.Root.Send(to, msg)
	synctest.Wait()
}

func sock(id string) actormsg.Socket { return actormsg.Socket{Nsp: "/", ID: id} }

func connected(id, name string, recovered bool) *actormsg.Connected {
	return &actormsg.Connected{Socket: sock(id), Recovered: recovered,
		Handshake: actormsg.Handshake{Auth: json.RawMessage(fmt.Sprintf(`{"name":%q}`, name))}}
}

func disconnected(id string) *actormsg.Disconnected {
	return &actormsg.Disconnected{Socket: sock(id), Reason: "transport close"}
}

// event is a client's event whose ack w records under key.
func (w *world) event(id, name, key string, args ...string) *actormsg.Event {
	raw := make(jsonArgs, len(args))
	for i, a := range args {
		raw[i] = json.RawMessage(a)
	}
	return &actormsg.Event{Socket: sock(id), Name: name, Args: raw, Ack: actormsg.NewAck(true, func(answer ...any) error {
		b, err := json.Marshal(answer)
		if err != nil {
			return err
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, twice := w.acks[key]; twice {
			return errors.New("acked twice")
		}
		w.acks[key] = string(b)
		w.answers++
		return nil
	})}
}

// ack is the answer recorded under key ("" if none).
func (w *world) ack(key string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acks[key]
}

// take returns the commands recorded since the last take, each as a line:
// "join <socket> <rooms>" or "emit <socket or rooms> <event> <args JSON>".
func (w *world) take() []string {
	w.mu.Lock()
	cmds := w.cmds
	w.cmds = nil
	w.mu.Unlock()
	var out []string
	for _, c := range cmds {
		switch c := c.(type) {
		case *actormsg.Join:
			out = append(out, fmt.Sprintf("join %s %s", c.Socket, strings.Join(c.Rooms, ",")))
		case *actormsg.Emit:
			to := c.Socket
			if to == "" {
				to = strings.Join(c.To, ",")
			}
			b, err := json.Marshal(c.Args)
			if err != nil {
				w.t.Fatalf("args of %s: %v", c.Event, err)
			}
			out = append(out, fmt.Sprintf("emit %s %s %s", to, c.Event, b))
		}
	}
	return out
}

// takeWant checks the commands recorded since the last take.
func (w *world) takeWant(what string, want ...string) {
	w.t.Helper()
	w.check(what, w.take(), want)
}

// takeWantNoState checks the commands recorded since the last take but the
// snapshots.
func (w *world) takeWantNoState(what string, want ...string) {
	w.t.Helper()
	w.check(what, slices.DeleteFunc(w.take(), func(l string) bool { return strings.HasPrefix(l, "emit match:1 state ") }), want)
}

func (w *world) check(what string, got, want []string) {
	w.t.Helper()
	if !slices.Equal(got, want) {
		w.t.Fatalf("%s: gateway got\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// watch returns a channel closed when pid stops.
func (w *world) watch(pid *actor.PID) <-chan struct{} {
	ended := make(chan struct{})
	w.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			ctx.Watch(pid)
		case *actor.Terminated:
			if m.Who.Equal(pid) {
				close(ended)
				ctx.Stop(ctx.Self())
			}
		}
	}))
	synctest.Wait()
	return ended
}

// sleep lets d pass in fake time, then lets the actors settle.
func sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// jsonArgs are arguments as the JSON parser hands them over.
type jsonArgs []json.RawMessage

func (a jsonArgs) Len() int { return len(a) }
func (a jsonArgs) Decode(i int, v any) error {
	if i >= len(a) {
		return fmt.Errorf("argument %d missing", i)
	}
	return json.Unmarshal(a[i], v)
}
func (a jsonArgs) Raw(i int) json.RawMessage { return a[i] }
func (a jsonArgs) Forward() []any {
	out := make([]any, len(a))
	for i, r := range a {
		out[i] = r
	}
	return out
}

// stateLine is the gateway's line for the snapshot of tick at t with players.
func stateLine(tick int, t time.Time, players string) string {
	return fmt.Sprintf(`emit match:1 state [{"tick":%d,"t":%s,"players":%s}]`, tick, mustJSON(millis(t)), players)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
