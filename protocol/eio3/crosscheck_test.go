package eio3

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/actorio/actorio/protocol/eio"
)

// The Go codec against Node's: every case is encoded by both, byte for
// byte the same, and what Node encodes decodes here to the packets it
// came from. testdata/parser_v3.js runs engine.io's parser-v3, the code
// Node's allowEIO3 serves 2.x clients with.

type xPacket struct {
	Type string `json:"type"`
	Data any    `json:"data,omitempty"` // string, or {"$bin": base64}
}

type xCase struct {
	name           string
	packets        []eio.Packet
	supportsBinary bool
}

type xWire struct {
	Text *string `json:"text"`
	Hex  *string `json:"hex"`
}

func (w xWire) bytes(t *testing.T) []byte {
	if w.Text != nil {
		return []byte(*w.Text)
	}
	b, err := hex.DecodeString(*w.Hex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func text(t eio.PacketType, s string) eio.Packet { return eio.Packet{Type: t, Data: []byte(s)} }
func bin(b ...byte) eio.Packet                   { return eio.Packet{Type: eio.Message, Data: b, Binary: true} }

func crossCases() []xCase {
	every256 := make([]byte, 256)
	for i := range every256 {
		every256[i] = byte(i)
	}
	long := strings.Repeat("x", 12345)
	var cases []xCase
	for _, sb := range []bool{false, true} {
		for _, c := range []struct {
			name    string
			packets []eio.Packet
		}{
			{"open", []eio.Packet{text(eio.Open, `{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
			{"pong and message", []eio.Packet{text(eio.Pong, ""), text(eio.Message, `2["chat","hi"]`)}},
			{"probe", []eio.Packet{text(eio.Pong, "probe")}},
			{"noop", []eio.Packet{text(eio.Noop, "")}},
			{"close", []eio.Packet{text(eio.Close, "")}},
			{"utf8 and astral", []eio.Packet{text(eio.Message, "héllo 😀 €"), text(eio.Message, "𝄞𝄞")}},
			{"binary event", []eio.Packet{text(eio.Message, `51-["b",{"_placeholder":true,"num":0}]`), bin(1, 2, 3)}},
			{"every byte", []eio.Packet{bin(every256...), text(eio.Message, "ok")}},
			{"empty binary", []eio.Packet{bin()}},
			{"long", []eio.Packet{text(eio.Message, long), bin(bytes.Repeat([]byte{7}, 3000)...)}},
		} {
			cases = append(cases, xCase{name: c.name, packets: c.packets, supportsBinary: sb})
		}
	}
	return cases
}

func TestCrossCheckNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found on PATH (%v): this test needs Node 20 and the repository's node_modules", err)
	}
	cases := crossCases()
	type in struct {
		Packets        []xPacket `json:"packets"`
		SupportsBinary bool      `json:"supportsBinary"`
	}
	var input []in
	for _, c := range cases {
		var ps []xPacket
		for _, p := range c.packets {
			xp := xPacket{Type: p.Type.String()}
			switch {
			case p.Binary:
				xp.Data = map[string]string{"$bin": base64.StdEncoding.EncodeToString(p.Data)}
			case len(p.Data) > 0:
				xp.Data = string(p.Data)
			}
			ps = append(ps, xp)
		}
		input = append(input, in{Packets: ps, SupportsBinary: c.supportsBinary})
	}
	raw, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/parser_v3.js")
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/parser_v3.js: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Payload xWire   `json:"payload"`
		Single  []xWire `json:"single"`
	}
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(cases) {
		t.Fatalf("node output: %d results, %v", len(results), err)
	}
	for i, c := range cases {
		r := results[i]
		name := c.name
		if c.supportsBinary {
			name += "/binary"
		}
		t.Run(name, func(t *testing.T) {
			want := r.Payload.bytes(t)
			got, isBinary, err := AppendPayload(nil, c.packets, c.supportsBinary)
			if err != nil || !bytes.Equal(got, want) || isBinary != (r.Payload.Hex != nil) {
				t.Errorf("AppendPayload(%s) = %q (binary %v), %v, want %q (binary %v)", name, got, isBinary, err, want, r.Payload.Hex != nil)
			}
			decode := DecodePayload
			if r.Payload.Hex != nil {
				decode = DecodeBinaryPayload
			}
			var back []eio.Packet
			if err := decode(want, 0, func(p eio.Packet) error { back = append(back, p); return nil }); err != nil {
				t.Fatalf("decode(Node's %q): %v", want, err)
			}
			if !samePackets(back, c.packets) {
				t.Errorf("decode(Node's %q) = %+v, want %+v", want, back, c.packets)
			}
			for j, p := range c.packets {
				w := r.Single[j].bytes(t)
				var got []byte
				var err error
				if p.Binary && c.supportsBinary {
					got = AppendBinary(nil, p)
				} else {
					got, err = AppendText(nil, p)
				}
				if err != nil || !bytes.Equal(got, w) {
					t.Errorf("encode single %+v = %q, %v, want Node's %q", p, got, err, w)
				}
			}
		})
	}
}

func samePackets(a, b []eio.Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Binary != b[i].Binary || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}
