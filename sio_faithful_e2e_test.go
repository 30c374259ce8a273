package actorio_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/prometheus/client_golang/prometheus"
)

// No silent data loss, as the official npm socket.io-client sees it (run by
// testdata/e2e/sio_client.js, harness of sio_e2e_test.go), with both
// parsers: forwarded arguments nested in other values arrive whole, binary
// included; an event that does not fit its handler's types is reported on
// the server and gets no ack the application did not send.

func TestSIOFaithfulE2E(t *testing.T) {
	requireSIONode(t)
	for _, p := range []string{"json", "msgpack"} {
		for _, tr := range []string{"polling", "websocket", "default"} {
			c := sioCase{transport: tr, parser: p}
			t.Run("forward nested/"+p+"/"+tr, func(t *testing.T) { testSIOForwardNested(t, c) })
		}
		c := sioCase{transport: "websocket", parser: p}
		t.Run("argument mismatch/"+p+"/websocket", func(t *testing.T) { testSIOArgumentMismatch(t, c) })
	}
}

type faithfulHolder struct {
	Fwd any   `json:"fwd"`
	All []any `json:"all"`
}

func testSIOForwardNested(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	srv.connections("/", func(s *actorio.Socket) {
		if err := s.On("relay", func(a actorio.Args, ack actorio.Ack) error {
			fwd := a.Forward()
			if err := ack.Send(map[string]any{"echo": fwd[1], "list": fwd}, faithfulHolder{Fwd: fwd[2], All: fwd}); err != nil {
				return err
			}
			if err := s.Emit("nested",
				map[string]any{"all": fwd, "pre": []byte{0xff}},
				[]any{fwd[3], fwd[1]},
				&faithfulHolder{Fwd: fwd[0]}); err != nil {
				return err
			}
			return s.Emit("values", faithfulValues()...)
		}); err != nil {
			t.Errorf("On(relay): %v", err)
		}
	})
	var res struct{ Ack, Nested, Values json.RawMessage }
	startSIONode(t, ctx, srv.url, "forward-nested", c).result(ctx, &res)

	// What the client sent: "text", {bin: 090807, n: 1}, [01, 2], null.
	a1 := map[string]any{"bin": sioBin([]byte{9, 8, 7}), "n": 1}
	a2 := []any{sioBin([]byte{1}), 2}
	all := []any{"text", a1, a2, nil}
	for _, check := range []struct {
		what string
		got  json.RawMessage
		want any
	}{
		{"ack", res.Ack, []any{map[string]any{"echo": a1, "list": all}, map[string]any{"fwd": a2, "all": all}}},
		{"nested event", res.Nested, []any{map[string]any{"all": all, "pre": sioBin([]byte{0xff})}, []any{nil, a1}, map[string]any{"fwd": "text", "all": nil}}},
		// As encoding/json writes them, binary as binary, with both parsers.
		{"values event", res.Values, []any{"2024-05-06T07:08:09.123Z", 0.1, map[string]any{"count": "42", "blob": sioBin([]byte{1, 2})},
			map[string]any{"7": sioBin([]byte{3})}, map[string]any{"hidden": 3}, "192.0.2.1", 1180591620717411303424.0}},
	} {
		if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
			t.Errorf("client got the %s\n\t%s\nwant\n\t%s", check.what, got, want)
		}
	}
	srv.checkNoPanic(t)
}

// faithfulValues are Go values the msgpack parser once sent otherwise than
// the JSON parser: time.Time as a msgpack extension, float32 with float32
// noise, ",string" ignored, a MarshalJSON-only type as {}, netip.Addr and
// big.Int as bin; and binary in a map with int keys, which the JSON parser
// sent as base64.
func faithfulValues() []any {
	type counted struct {
		Count int    `json:"count,string"`
		Blob  []byte `json:"blob"`
	}
	return []any{
		time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC),
		float32(0.1),
		counted{Count: 42, Blob: []byte{1, 2}},
		map[int][]byte{7: {3}},
		onlyMarshalJSON{hidden: 3},
		netip.MustParseAddr("192.0.2.1"),
		new(big.Int).Lsh(big.NewInt(1), 70),
	}
}

// onlyMarshalJSON has no exported field: only its MarshalJSON describes it.
type onlyMarshalJSON struct{ hidden int }

func (o onlyMarshalJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"hidden":` + strconv.Itoa(o.hidden) + `}`), nil
}

func testSIOArgumentMismatch(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	errs := make(chan error, 4)
	srv.connections("/", func(s *actorio.Socket) {
		s.OnError(func(err error) {
			errs <- err
			var ae *actorio.ArgumentError
			if errors.As(err, &ae) && ae.Index == 1 {
				_ = ae.Ack.Send("refused", ae.Index)
			}
		})
		if err := s.On("move", func(n int, p movePos, ack actorio.Ack) error {
			return ack.Send("ok", n, p.X)
		}); err != nil {
			t.Errorf("On(move): %v", err)
		}
	})
	var res struct {
		Answers map[string]json.RawMessage
		OK      json.RawMessage
	}
	startSIONode(t, ctx, srv.url, "argument-mismatch", c).result(ctx, &res)

	if got, want := sioCanon(t, res.OK), sioCanon(t, []any{"ok", 5, 2}); got != want {
		t.Errorf("client's fitting move answered %s, want %s", got, want)
	}
	if len(res.Answers) != 1 || sioCanon(t, res.Answers["second"]) != sioCanon(t, []any{"refused", 1}) {
		t.Errorf("client's ill-fitting moves answered %v, want only the second, by the error listener: [\"refused\",1]", res.Answers)
	}
	for _, want := range []struct {
		index int
		typ   reflect.Type
	}{{0, reflect.TypeFor[int]()}, {1, reflect.TypeFor[movePos]()}} {
		err := sioRecv(t, ctx, errs, "an error for the error listener")
		var ae *actorio.ArgumentError
		if !errors.As(err, &ae) || ae.Event != "move" || ae.Index != want.index || ae.Type != want.typ {
			t.Errorf("OnError got %v, want an *ArgumentError for move's argument %d (%v)", err, want.index, want.typ)
		}
	}
	if v := metric(t, reg, "actorio_event_decode_errors_total", "namespace", "/"); v != 2 {
		t.Errorf("actorio_event_decode_errors_total{namespace=\"/\"} = %v, want 2", v)
	}
	warned := false
	for line := range strings.Lines(srv.log.String()) {
		if strings.Contains(line, `"level":"warn"`) && strings.Contains(line, `"event":"move"`) && strings.Contains(line, "does not match the handler") {
			warned = true
		}
	}
	if !warned {
		t.Error("the server logged no warning naming the event move")
	}
	srv.checkNoPanic(t)
}
