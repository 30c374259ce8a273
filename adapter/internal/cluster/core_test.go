package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// bus is an in-process transport: every message goes through its msgpack
// encoding and is delivered synchronously to the other members.
type bus struct {
	mu      sync.Mutex
	members []*member
	servers int // what ServerCount reports; zero means len(members)
	fail    error
}

type member struct {
	bus   *bus
	core  *Core
	local *fakeLocal
}

func (b *bus) join(t *testing.T, format adapter.Format) *member {
	m := &member{bus: b, local: &fakeLocal{format: format}}
	m.core = New(m, Options{})
	if err := m.core.Attach(m.local); err != nil {
		t.Fatal(err)
	}
	m.core.AddNamespace("/")
	b.mu.Lock()
	b.members = append(b.members, m)
	b.mu.Unlock()
	t.Cleanup(m.core.Close)
	return m
}

func (b *bus) others(self *member) ([]*member, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return nil, b.fail
	}
	var out []*member
	for _, m := range b.members {
		if m != self {
			out = append(out, m)
		}
	}
	return out, nil
}

func roundTrip(m *Message) (*Message, error) {
	b, err := m.Msgpack()
	if err != nil {
		return nil, err
	}
	return DecodeMsgpack(b)
}

func (m *member) Publish(_ context.Context, msg *Message) (string, error) {
	others, err := m.bus.others(m)
	if err != nil {
		return "", err
	}
	got, err := roundTrip(msg)
	if err != nil {
		return "", err
	}
	for _, o := range others {
		o.core.OnMessage(got, "1-1")
	}
	return "1-1", nil
}

func (m *member) PublishResponse(_ context.Context, to string, r *Message) error {
	others, err := m.bus.others(m)
	if err != nil {
		return err
	}
	got, err := roundTrip(r)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.core.UID() == to {
			o.core.OnResponse(got)
		}
	}
	return nil
}

func (m *member) ServerCount(context.Context, string) (int, error) {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	if m.bus.fail != nil {
		return 0, m.bus.fail
	}
	if m.bus.servers > 0 {
		return m.bus.servers, nil
	}
	return len(m.bus.members), nil
}

// fakeLocal records what other servers ask of it.
type fakeLocal struct {
	format  adapter.Format
	sockets []adapter.SocketInfo
	clients int   // how many clients a broadcast with ack reaches
	answer  []any // each client's answer, or the server-side handler's

	mu    sync.Mutex
	calls []string
}

func (l *fakeLocal) record(format string, args ...any) {
	l.mu.Lock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *fakeLocal) Calls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *fakeLocal) Format() adapter.Format          { return l.format }
func (l *fakeLocal) RecoveryDuration() time.Duration { return 0 }
func (l *fakeLocal) Broadcast(p *sio.Packet, opts adapter.BroadcastOptions, offset string) {
	vals, _ := value.FromData(l.format, p.Data, p.Attachments)
	j, _, _ := value.AppendJSON(nil, vals, nil, false)
	l.record("broadcast %s %s rooms=%v except=%v offset=%s", p.Namespace, j, opts.Rooms, opts.Except, offset)
}
func (l *fakeLocal) BroadcastWithAck(p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) {
	l.record("broadcastWithAck rooms=%v", opts.Rooms)
	clientCount(l.clients)
	for range l.clients {
		a, _ := value.ToArgs(l.format, l.answer)
		ack(a)
	}
}
func (l *fakeLocal) FetchSockets(nsp string, opts adapter.BroadcastOptions) []adapter.SocketInfo {
	l.record("fetchSockets %s rooms=%v", nsp, opts.Rooms)
	return l.sockets
}
func (l *fakeLocal) AddSockets(nsp string, opts adapter.BroadcastOptions, rooms []string) {
	l.record("addSockets %s rooms=%v except=%v %v", nsp, opts.Rooms, opts.Except, rooms)
}
func (l *fakeLocal) DelSockets(nsp string, opts adapter.BroadcastOptions, rooms []string) {
	l.record("delSockets %s rooms=%v %v", nsp, opts.Rooms, rooms)
}
func (l *fakeLocal) DisconnectSockets(nsp string, opts adapter.BroadcastOptions, close bool) {
	l.record("disconnectSockets %s rooms=%v close=%v", nsp, opts.Rooms, close)
}
func (l *fakeLocal) ServerSideEmit(nsp string, args adapter.Args, ack func(adapter.Args)) {
	vals, _ := value.FromArgs(l.format, args)
	j, _, _ := value.AppendJSON(nil, vals, nil, false)
	l.record("serverSideEmit %s %s ack=%v", nsp, j, ack != nil)
	if ack != nil && l.answer != nil {
		a, _ := value.ToArgs(l.format, l.answer)
		ack(a)
	}
}
func (l *fakeLocal) Rooms(string) []string { return nil }

func jsonPacket(t *testing.T, nsp string, vals ...any) *sio.Packet {
	t.Helper()
	data, atts, err := value.ToData(adapter.FormatJSON, vals)
	if err != nil {
		t.Fatal(err)
	}
	return &sio.Packet{Type: sio.Event, Namespace: nsp, Data: data, Attachments: atts}
}

func TestApplyMessages(t *testing.T) {
	b := &bus{}
	a := b.join(t, adapter.FormatJSON)
	other := b.join(t, adapter.FormatMsgpack)
	ctx := context.Background()
	opts := adapter.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Flags: adapter.Flags{Compress: true}}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"broadcast", func() error { return a.core.Broadcast(ctx, jsonPacket(t, "/", "ev", []byte{1}, int64(2)), opts) },
			`broadcast / ["ev",{"type":"Buffer","data":[1]},2] rooms=[r] except=[x] offset=1-1`},
		{"join", func() error { return a.core.AddSockets(ctx, "/", opts, []string{"n"}) }, "addSockets / rooms=[r] except=[x] [n]"},
		{"leave", func() error { return a.core.DelSockets(ctx, "/", opts, []string{"n"}) }, "delSockets / rooms=[r] [n]"},
		{"disconnect", func() error { return a.core.DisconnectSockets(ctx, "/", opts, true) }, "disconnectSockets / rooms=[r] close=true"},
		{"server side emit", func() error {
			args, _ := value.ToArgs(adapter.FormatJSON, []any{"hi", "x"})
			return a.core.ServerSideEmit(ctx, "/", args)
		}, `serverSideEmit / ["hi","x"] ack=false`},
		{"other namespace", func() error { return a.core.Broadcast(ctx, jsonPacket(t, "/other", "ev"), opts) }, ""},
	}
	for _, s := range steps {
		before := len(other.local.Calls())
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		calls := other.local.Calls()[before:]
		if s.want == "" {
			if len(calls) != 0 {
				t.Errorf("%s: other server got %q, want nothing", s.name, calls)
			}
			continue
		}
		if len(calls) != 1 || calls[0] != s.want {
			t.Errorf("%s: other server got %q, want %q", s.name, calls, s.want)
		}
	}
	if calls := a.local.Calls(); len(calls) != 0 {
		t.Errorf("sender applied its own messages: %q", calls)
	}
}

func TestFetchSockets(t *testing.T) {
	b := &bus{}
	a := b.join(t, adapter.FormatJSON)
	for i := range 2 {
		m := b.join(t, adapter.FormatJSON)
		m.local.sockets = []adapter.SocketInfo{{ID: fmt.Sprintf("s%d", i), Rooms: []string{fmt.Sprintf("s%d", i), "r"}, Data: []byte(`{"k":[1,"é"]}`), Handshake: []byte(`{"query":{"a":"b"}}`)}}
	}
	got, err := a.core.FetchSockets(context.Background(), "/", adapter.BroadcastOptions{Rooms: []string{"r"}})
	if err != nil {
		t.Fatalf("FetchSockets = %v", err)
	}
	ids := []string{}
	for _, s := range got {
		ids = append(ids, s.ID)
		if string(s.Data) != `{"k":[1,"é"]}` || string(s.Handshake) != `{"query":{"a":"b"}}` {
			t.Errorf("socket %s: data %s handshake %s", s.ID, s.Data, s.Handshake)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"s0", "s1"}) {
		t.Errorf("FetchSockets ids = %v, want [s0 s1]", ids)
	}
	rooms, err := a.core.AllRooms(context.Background(), "/")
	slices.Sort(rooms)
	if err != nil || !slices.Equal(rooms, []string{"r", "s0", "s1"}) {
		t.Errorf("AllRooms = %v, %v, want [r s0 s1]", rooms, err)
	}
}

// TestRequestTimeout: a server that never answers makes a request fail at
// its timeout with what came, as Node's "timeout reached" rejection.
func TestRequestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bus{servers: 3} // one more than there are
		a := b.join(t, adapter.FormatJSON)
		o := b.join(t, adapter.FormatJSON)
		o.local.sockets = []adapter.SocketInfo{{ID: "s"}}
		o.local.answer = []any{"pong"}
		start := time.Now()
		got, err := a.core.FetchSockets(context.Background(), "/", adapter.BroadcastOptions{Flags: adapter.Flags{TimeoutMillis: 1500}})
		if err == nil || !strings.Contains(err.Error(), "only 1 responses received out of 2") || len(got) != 1 {
			t.Errorf("FetchSockets = %v, %v, want 1 socket and a timeout", got, err)
		}
		if d := time.Since(start); d != 1500*time.Millisecond {
			t.Errorf("FetchSockets returned after %v, want the flags' 1.5s", d)
		}
		start = time.Now()
		args, _ := value.ToArgs(adapter.FormatJSON, []any{"ping"})
		answers, err := a.core.ServerSideEmitWithAck(context.Background(), "/", args)
		if err == nil || len(answers) != 1 || string(answers[0].Raw[0]) != `"pong"` {
			t.Errorf("ServerSideEmitWithAck = %v, %v, want one answer and a timeout", answers, err)
		}
		if d := time.Since(start); d != DefaultRequestsTimeout {
			t.Errorf("ServerSideEmitWithAck returned after %v, want %v", d, DefaultRequestsTimeout)
		}
		// ctx shorter than the timeout wins.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		if _, err := a.core.ServerSideEmitWithAck(ctx, "/", args); err == nil || time.Since(start) != time.Second {
			t.Errorf("ServerSideEmitWithAck(1s ctx) = %v after %v", err, time.Since(start))
		}
	})
}

func TestServerSideEmitWithAck(t *testing.T) {
	b := &bus{}
	a := b.join(t, adapter.FormatJSON)
	for i := range 2 {
		m := b.join(t, adapter.FormatMsgpack)
		m.local.answer = []any{object("from", int64(i)), "ignored second argument"}
	}
	args, _ := value.ToArgs(adapter.FormatJSON, []any{"ping", []byte{5}})
	answers, err := a.core.ServerSideEmitWithAck(context.Background(), "/", args)
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck = %v, %v, want 2 answers", answers, err)
	}
	got := []string{string(answers[0].Raw[0]), string(answers[1].Raw[0])}
	slices.Sort(got)
	if !slices.Equal(got, []string{`{"from":0}`, `{"from":1}`}) || len(answers[0].Raw) != 1 {
		t.Errorf("answers = %q, want the first argument of each", got)
	}
	// Alone, nobody to ask: no answers, no error, as Node's ack(null, []).
	lone := (&bus{}).join(t, adapter.FormatJSON)
	if answers, err := lone.core.ServerSideEmitWithAck(context.Background(), "/", args); err != nil || len(answers) != 0 {
		t.Errorf("alone: ServerSideEmitWithAck = %v, %v, want none", answers, err)
	}
}

// TestBroadcastWithAck: each server reports its count, then each client's
// answer; the request is forgotten after the flags' timeout.
func TestBroadcastWithAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bus{}
		a := b.join(t, adapter.FormatJSON)
		o1 := b.join(t, adapter.FormatMsgpack)
		o1.local.clients, o1.local.answer = 2, []any{"yes"}
		o2 := b.join(t, adapter.FormatJSON)
		var mu sync.Mutex
		counts, acks := []int{}, []string{}
		p := jsonPacket(t, "/", "q")
		p.ID, p.HasID = 7, true
		err := a.core.BroadcastWithAck(context.Background(), p, adapter.BroadcastOptions{Flags: adapter.Flags{TimeoutMillis: 2000}},
			func(n int) { mu.Lock(); counts = append(counts, n); mu.Unlock() },
			func(x adapter.Args) { mu.Lock(); acks = append(acks, string(x.Raw[0])); mu.Unlock() })
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		mu.Lock()
		slices.Sort(counts)
		if !slices.Equal(counts, []int{0, 2}) || !slices.Equal(acks, []string{`"yes"`, `"yes"`}) {
			t.Errorf("counts %v acks %v, want [0 2] and two yes", counts, acks)
		}
		mu.Unlock()
		if got := o2.local.Calls(); len(got) != 1 || got[0] != "broadcastWithAck rooms=[]" {
			t.Errorf("other server got %q", got)
		}
		a.core.mu.Lock()
		pending := len(a.core.acks)
		a.core.mu.Unlock()
		if pending != 1 {
			t.Errorf("ack requests before the timeout = %d, want 1", pending)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		a.core.mu.Lock()
		pending = len(a.core.acks)
		a.core.mu.Unlock()
		if pending != 0 {
			t.Errorf("ack requests after the flags' timeout = %d, want 0", pending)
		}
	})
}

// TestBroadcastWithAckWaitsForCounts: the call returns once every other
// server has said how many clients it reached, so that the caller knows
// how many answers to wait for; a server that never says is the caller's
// timeout.
func TestBroadcastWithAckWaitsForCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bus{servers: 3}
		a := b.join(t, adapter.FormatJSON)
		b.join(t, adapter.FormatJSON)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		err := a.core.BroadcastWithAck(ctx, jsonPacket(t, "/", "q"), adapter.BroadcastOptions{}, func(int) {}, func(adapter.Args) {})
		if err != nil || time.Since(start) != 3*time.Second {
			t.Errorf("BroadcastWithAck = %v after %v, want nil after the 3s ctx", err, time.Since(start))
		}
	})
}

func TestTransportFailure(t *testing.T) {
	b := &bus{}
	a := b.join(t, adapter.FormatJSON)
	b.join(t, adapter.FormatJSON)
	down := errors.New("connection refused")
	b.mu.Lock()
	b.fail = down
	b.mu.Unlock()
	ctx := context.Background()
	if err := a.core.Broadcast(ctx, jsonPacket(t, "/", "e"), adapter.BroadcastOptions{}); !errors.Is(err, down) {
		t.Errorf("Broadcast = %v, want %v", err, down)
	}
	if _, err := a.core.FetchSockets(ctx, "/", adapter.BroadcastOptions{}); !errors.Is(err, down) {
		t.Errorf("FetchSockets = %v, want %v", err, down)
	}
	if n := a.core.PublishErrors(); n != 1 {
		t.Errorf("PublishErrors = %d, want 1 (the count failed before the request was sent)", n)
	}
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bus{servers: 3}
		a := b.join(t, adapter.FormatJSON)
		b.join(t, adapter.FormatJSON)
		errc := make(chan error, 1)
		go func() {
			_, err := a.core.FetchSockets(context.Background(), "/", adapter.BroadcastOptions{})
			errc <- err
		}()
		synctest.Wait()
		a.core.Close()
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Errorf("FetchSockets during Close = %v, want ErrClosed", err)
		}
		if err := a.core.Broadcast(context.Background(), jsonPacket(t, "/", "e"), adapter.BroadcastOptions{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Broadcast after Close = %v, want ErrClosed", err)
		}
	})
}
