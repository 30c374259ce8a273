package actorio_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/actorio/actorio"
)

// Received values kept exactly, as the official npm socket.io-client sees
// them with both parsers (testdata/e2e/sio_values.js): a reply built from
// received Values keeps key order and binary (Node: ack({response:
// [...args]})); Ack.Requested tells whether the client asked for an ack
// without using it up; numbers decoded into any are float64 with either
// parser; the auth payload decodes alike with both, and OfFunc's match
// reads it as JSON.

const valuesE2EScript = "testdata/e2e/sio_values.js"

func startValuesNode(t *testing.T, url, scenario, parser string) *nodeRun {
	t.Helper()
	ctx := e2eContext(t, e2eTimeout)
	r, _ := runNode(t, ctx, valuesE2EScript, fmt.Sprintf("sio_values.js %s %s", scenario, parser), url, scenario, parser)
	return r
}

func TestValuesE2E(t *testing.T) {
	requireSIONode(t)
	for _, p := range []string{"json", "msgpack"} {
		c := sioCase{transport: "websocket", parser: p}
		t.Run("ack/"+p, func(t *testing.T) { testValuesAck(t, c) })
		t.Run("auth/"+p, func(t *testing.T) { testValuesAuth(t, c) })
	}
}

// echoSeen is what the server's accessors read from the "echo" arguments.
type echoSeen struct {
	keys, innerKeys []string
	b, ab           []byte
	z               float64
	text            string
	kinds           string
}

func testValuesAck(t *testing.T, c sioCase) {
	srv := startSIOServer(t, c.options())
	seen := make(chan echoSeen, 1)
	acks := make(chan error, 1)
	srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("echo", func(a actorio.Args, ack actorio.Ack) error {
			vals := make([]actorio.Value, a.Len())
			for i := range vals {
				if err := a.Decode(i, &vals[i]); err != nil {
					return err
				}
			}
			first := vals[0].Map()
			seen <- echoSeen{
				keys:      first.Keys(),
				innerKeys: vals[2].Array()[1].Map().Keys(),
				b:         first.Get("b").Bytes(),
				ab:        first.Get("a").Array()[0].Bytes(),
				z:         first.Get("z").Float(),
				text:      vals[1].String(),
				kinds:     fmt.Sprint(vals[0].Kind(), vals[1].Kind(), vals[2].Kind(), first.Get("a").Array()[0].Kind()),
			}
			return ack.Send(map[string]any{"response": vals})
		})
		_ = s.On("probe", func(ack actorio.Ack) error {
			if !ack.Requested() {
				return s.Emit("probed", false)
			}
			err := ack.Send(ack.Requested())
			if again := ack.Send("twice"); !ack.Requested() || !errors.Is(again, actorio.ErrAckSent) {
				err = errors.Join(err, fmt.Errorf("after Send: Requested() = %v, Send again = %v, want true, ErrAckSent", ack.Requested(), again))
			}
			acks <- err
			return nil
		})
		_ = s.On("numbers", func(m map[string]any, ack actorio.Ack) error {
			types := map[string]string{}
			for k, v := range m {
				types[k] = fmt.Sprintf("%T", v)
			}
			return ack.Send(types, m)
		})
	})
	var res struct {
		Sent, Echo, WithoutAck, WithAck, Numbers json.RawMessage
	}
	startValuesNode(t, srv.url, "ack", c.parser).result(e2eContext(t, e2eTimeout), &res)

	wantEcho := json.RawMessage(`[{"object":[["response",` + string(res.Sent) + `]]}]`)
	for _, check := range []struct {
		what      string
		got, want any
	}{
		{"ack built from Values", res.Echo, wantEcho},
		{"probe without an ack", res.WithoutAck, []any{false}},
		{"probe with an ack", res.WithAck, []any{true}},
		{"numbers decoded into any", res.Numbers, []any{
			map[string]string{"i": "float64", "neg": "float64", "big": "float64", "f": "float64", "u8": "float64"},
			map[string]any{"i": 1, "neg": -5, "big": 1 << 40, "f": 1.5, "u8": 200},
		}},
	} {
		if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
			t.Errorf("client got the %s\n\t%s\nwant\n\t%s", check.what, got, want)
		}
	}
	// The sent arguments are the echo's reference: check they are what the
	// script meant to send, binary and order included.
	wantSent := `[{"object":[["b","binary:010203"],["z",1],["a",["binary:0405","x",{"object":[["y",true],["c",null],["n",-1.5]]},"binary:0102030405060708","binary:09"]]]},"text",[2,{"object":[["k2","v"],["k1","binary:ff"]]}]]`
	if got := sioCanon(t, res.Sent); got != sioCanon(t, json.RawMessage(wantSent)) {
		t.Errorf("client sent %s, want %s", got, wantSent)
	}

	ctx := e2eContext(t, e2eTimeout)
	s := sioRecv(t, ctx, seen, "the echo handler's reading")
	got := fmt.Sprintf("%q %q %x %x %v %q %s", s.keys, s.innerKeys, s.b, s.ab, s.z, s.text, s.kinds)
	if want := `["b" "z" "a"] ["k2" "k1"] 010203 0405 1 "text" object string array binary`; got != want {
		t.Errorf("Value accessors read %s, want %s", got, want)
	}
	if err := sioRecv(t, ctx, acks, "the probe handler's checks"); err != nil {
		t.Error(err)
	}
	srv.checkNoPanic(t)
}

func testValuesAuth(t *testing.T, c sioCase) {
	srv := startSIOServer(t, c.options())
	errs := make(chan error, 1)
	srv.OfFunc(func(_ string, auth json.RawMessage) bool {
		var a struct {
			Token string `json:"token"`
		}
		return json.Unmarshal(auth, &a) == nil && a.Token == "let-me-in"
	}).OnConnection(func(s *actorio.Socket) {
		var v actorio.Value
		var a struct {
			Token string `json:"token"`
		}
		errs <- errors.Join(s.Handshake().DecodeAuth(&v), s.Handshake().DecodeAuth(&a))
		_ = s.Emit("auth", s.Handshake().Auth, v, a.Token)
	})
	var res struct {
		Refusal    string
		Raw, Value json.RawMessage
		Token      string
	}
	startValuesNode(t, srv.url, "auth", c.parser).result(e2eContext(t, e2eTimeout), &res)

	// The default parser's CONNECT is JSON.stringify'd by the client: a
	// Buffer arrives as its JSON, as a Node server gets it. msgpack carries
	// binary: Auth (JSON) has its base64 string, a Value the bytes.
	bufferJSON := `{"object":[["type","Buffer"],["data",[9,8]]]}`
	wantRaw, wantValue := bufferJSON, bufferJSON
	if c.parser == "msgpack" {
		wantRaw, wantValue = `"CQg="`, `"binary:0908"`
	}
	auth := func(bin string) json.RawMessage {
		return json.RawMessage(`{"object":[["token","let-me-in"],["bin",` + bin + `],["z",2],["a",[1,"x"]]]}`)
	}
	for _, check := range []struct {
		what      string
		got, want any
	}{
		{"refusal by the match func", res.Refusal, "Invalid namespace"},
		{"Handshake().Auth", res.Raw, auth(wantRaw)},
		{"DecodeAuth into a Value", res.Value, auth(wantValue)},
		{"DecodeAuth into a struct", res.Token, "let-me-in"},
	} {
		if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
			t.Errorf("client got the %s\n\t%s\nwant\n\t%s", check.what, got, want)
		}
	}
	if err := sioRecv(t, e2eContext(t, e2eTimeout), errs, "the connection handler's DecodeAuth"); err != nil {
		t.Errorf("DecodeAuth: %v", err)
	}
	srv.checkNoPanic(t)
}
