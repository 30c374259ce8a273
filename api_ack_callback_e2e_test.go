package actorio_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
)

// Issue 12 item 6: EmitWithAckFunc, the callback form of EmitWithAck
// (Node's socket.timeout(t).emit(ev, ..., (err, ...answers) => {})),
// against the official client: the handler that emits returns at once; the
// callback runs on the socket's lane after it, exactly once, with the
// answer, ErrAckTimeout (a late answer ignored) or ErrDisconnected.

func TestAPIAckCallbackE2E(t *testing.T) {
	requireSIONode(t)
	for _, p := range []string{"json", "msgpack"} {
		for _, tr := range []string{"polling", "websocket"} {
			c := sioCase{transport: tr, parser: p}
			t.Run("socket/"+p+"/"+tr, func(t *testing.T) { testAPIAckCallback(t, c) })
		}
	}
	t.Run("broadcast/json/websocket", func(t *testing.T) { testAPIBroadcastAckCallback(t, sioCase{transport: "websocket", parser: "json"}) })
}

// callbackLog records, in order, what ran on one socket's lane.
type callbackLog struct {
	mu    sync.Mutex
	steps []string
	errs  map[string][]error
	args  map[string][]string
}

func (l *callbackLog) step(s string) {
	l.mu.Lock()
	l.steps = append(l.steps, s)
	l.mu.Unlock()
}

// callback returns f for EmitWithAckFunc: it records the call and hands
// it over.
func (l *callbackLog) callback(t *testing.T, name string, done chan<- string) func(actorio.Args, error) {
	return func(a actorio.Args, err error) {
		l.mu.Lock()
		if l.errs == nil {
			l.errs, l.args = map[string][]error{}, map[string][]string{}
		}
		l.steps = append(l.steps, "callback "+name)
		l.errs[name] = append(l.errs[name], err)
		if err == nil {
			var all []string
			for i := range a.Len() {
				var s string
				if derr := a.Decode(i, &s); derr != nil {
					t.Errorf("callback %s: Decode(%d): %v", name, i, derr)
				}
				all = append(all, s)
			}
			l.args[name] = append(l.args[name], all...)
		}
		l.mu.Unlock()
		done <- name
	}
}

func (l *callbackLog) snapshot() ([]string, map[string][]error, map[string][]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := map[string][]error{}
	for k, v := range l.errs {
		errs[k] = slices.Clone(v)
	}
	args := map[string][]string{}
	for k, v := range l.args {
		args[k] = slices.Clone(v)
	}
	return slices.Clone(l.steps), errs, args
}

func testAPIAckCallback(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	var log callbackLog
	done := make(chan string, 8)
	clientGotAsk := make(chan struct{})
	lateChecked := make(chan []error, 1)
	gone := make(chan struct{})
	srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("start", func() {
			log.step("start begins")
			for _, e := range []struct {
				name string
				em   func(string, []any, func(actorio.Args, error)) error
			}{
				{"ask", s.Timeout(e2eTimeout).EmitWithAckFunc},
				{"late", s.Timeout(300 * time.Millisecond).EmitWithAckFunc},
				{"silent", s.EmitWithAckFunc}, // no timeout: until the socket goes
			} {
				if err := e.em(e.name, []any{"x"}, log.callback(t, e.name, done)); err != nil {
					t.Errorf("EmitWithAckFunc(%q) = %v, want nil", e.name, err)
				}
			}
			// The client answers "ask" now; its callback waits for this
			// handler, as the socket's other handlers do.
			select {
			case <-clientGotAsk:
			case <-ctx.Done():
			}
			log.step("start returns")
		})
		_ = s.On("after-late", func() {
			_, errs, _ := log.snapshot()
			lateChecked <- errs["late"]
		})
		s.OnDisconnect(func(string) { close(gone) })
		if err := s.EmitWithAckFunc("connect", nil, func(actorio.Args, error) {}); err == nil {
			t.Error(`EmitWithAckFunc("connect") = nil, want a ReservedEventError`)
		}
	})
	p := startPuppet(t, ctx, srv.url, c)
	p.connect("a", "/")
	p.emit("a", "start")
	p.got("a", "ask")
	close(clientGotAsk)
	sioRecv(t, ctx, done, "the callback of ask")
	sioRecv(t, ctx, done, "the callback of late, at its timeout")
	// A late answer calls nothing: the client's next event runs after it
	// (the session handles the ack, then queues the event on the lane).
	p.do(map[string]any{"op": "ack", "name": "a", "event": "late"})
	p.emit("a", "after-late")
	if errs := sioRecv(t, ctx, lateChecked, "the after-late handler"); len(errs) != 1 {
		t.Errorf("late's callback ran %d times before the late answer's next event, want once", len(errs))
	}
	p.do(map[string]any{"op": "disconnect", "name": "a"})
	sioRecv(t, ctx, done, "the callback of silent, at the disconnect")
	sioRecv(t, ctx, gone, "OnDisconnect")

	steps, errs, args := log.snapshot()
	if want := []string{"start begins", "start returns", "callback ask", "callback late", "callback silent"}; !slices.Equal(steps, want) {
		t.Errorf("lane ran %q, want %q", steps, want)
	}
	if got, want := args["ask"], []string{"a:ask", "x"}; !slices.Equal(got, want) || len(errs["ask"]) != 1 || errs["ask"][0] != nil {
		t.Errorf("ask's callback got %q, errors %v; want %q once, no error", got, errs["ask"], want)
	}
	if e := errs["late"]; len(e) != 1 || !errors.Is(e[0], actorio.ErrAckTimeout) || !errors.Is(e[0], context.DeadlineExceeded) {
		t.Errorf("late's callback got errors %v, want one ErrAckTimeout (also context.DeadlineExceeded)", e)
	}
	if e := errs["silent"]; len(e) != 1 || !errors.Is(e[0], actorio.ErrDisconnected) {
		t.Errorf("silent's callback got errors %v, want one ErrDisconnected", e)
	}
	p.exit()
	srv.checkNoPanic(t)
}

// The broadcast form: from a socket (f on its lane, the sender left out)
// and from the server (Node's io.timeout(t).emit(ev, cb)).
func testAPIBroadcastAckCallback(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	type result struct {
		answers []string
		err     error
		onLane  bool
	}
	results := make(chan result, 4)
	collect := func(t *testing.T, onLane func() bool) func([]actorio.Args, error) {
		return func(answers []actorio.Args, err error) {
			r := result{err: err, onLane: onLane()}
			for _, a := range answers {
				r.answers = append(r.answers, answer(t, a))
			}
			slices.Sort(r.answers)
			results <- r
		}
	}
	var lane sync.Mutex // held by a's handler: f must run after it
	var inHandler bool
	conns := srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("fan-out", func() {
			lane.Lock()
			inHandler = true
			lane.Unlock()
			err := s.Broadcast().Timeout(e2eTimeout).EmitWithAckFunc("bq", []any{1}, collect(t, func() bool {
				lane.Lock()
				defer lane.Unlock()
				return !inHandler
			}))
			if err != nil {
				t.Errorf("Broadcast().EmitWithAckFunc = %v", err)
			}
			lane.Lock()
			inHandler = false
			lane.Unlock()
		})
	})
	p := startPuppet(t, ctx, srv.url, c)
	p.connect("a", "/")
	p.connect("b", "/")
	sioRecv(t, ctx, conns, "a's connection")
	sioRecv(t, ctx, conns, "b's connection")

	p.emit("a", "fan-out")
	if r := sioRecv(t, ctx, results, "the socket broadcast's callback"); !slices.Equal(r.answers, []string{"b:bq"}) || r.err != nil || !r.onLane {
		t.Errorf("Broadcast().EmitWithAckFunc's f got %q, %v (after the handler: %v); want [b:bq], nil, after the handler", r.answers, r.err, r.onLane)
	}
	always := func() bool { return true }
	if err := srv.Timeout(e2eTimeout).EmitWithAckFunc("q", nil, collect(t, always)); err != nil {
		t.Fatal(err)
	}
	if r := sioRecv(t, ctx, results, "the server broadcast's callback"); !slices.Equal(r.answers, []string{"a:q", "b:q"}) || r.err != nil {
		t.Errorf("srv.Timeout().EmitWithAckFunc's f got %q, %v; want [a:q b:q], nil", r.answers, r.err)
	}
	if err := srv.Timeout(200*time.Millisecond).EmitWithAckFunc("silentq", nil, collect(t, always)); err != nil {
		t.Fatal(err)
	}
	if r := sioRecv(t, ctx, results, "the unanswered broadcast's callback"); len(r.answers) != 0 || !errors.Is(r.err, actorio.ErrAckTimeout) {
		t.Errorf("unanswered EmitWithAckFunc's f got %q, %v; want no answers, ErrAckTimeout", r.answers, r.err)
	}
	p.exit()
	srv.checkNoPanic(t)
}
