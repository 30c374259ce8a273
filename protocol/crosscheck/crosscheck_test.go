package crosscheck

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
)

type vectorFile struct {
	EIO []struct {
		Name    string `json:"name"`
		Packets []struct {
			Type string  `json:"type"`
			Data string  `json:"data"`
			Bin  *string `json:"bin"`
		} `json:"packets"`
	} `json:"eio"`
	EIOInvalid   []string       `json:"eioInvalid"`
	SIO          []packetVector `json:"sio"`
	SIOInvalid   []string       `json:"sioInvalid"`
	SIODivergent []struct {
		Wire string `json:"wire"`
		Why  string `json:"why"`
	} `json:"sioDivergent"`
	Msgpack        []packetVector `json:"msgpack"`
	MsgpackInvalid []struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
	} `json:"msgpackInvalid"`
}

type packetVector struct {
	Name   string `json:"name"`
	Packet struct {
		Type int             `json:"type"`
		Nsp  string          `json:"nsp"`
		ID   *uint64         `json:"id"`
		Data json.RawMessage `json:"data"`
	} `json:"packet"`
}

type nodeResult struct {
	EIO []struct {
		Payload string            `json:"payload"`
		Frames  []json.RawMessage `json:"frames"`
	} `json:"eio"`
	EIODecoded     []any     `json:"eioDecoded"`
	EIOInvalid     []bool    `json:"eioInvalid"`
	SIO            [][]any   `json:"sio"`
	SIODecoded     []attempt `json:"sioDecoded"`
	SIOInvalid     []*string `json:"sioInvalid"`
	SIODivergent   []*string `json:"sioDivergent"`
	Msgpack        []string  `json:"msgpack"`
	MsgpackDecoded []attempt `json:"msgpackDecoded"`
	MsgpackInvalid []*string `json:"msgpackInvalid"`
	MsgpackValues  []struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
		JSON string `json:"json"`
	} `json:"msgpackValues"`
}

type attempt struct {
	OK  any    `json:"ok"`
	Err string `json:"err"`
}

var eioTypes = map[string]eio.PacketType{"open": eio.Open, "close": eio.Close, "ping": eio.Ping, "pong": eio.Pong, "message": eio.Message, "upgrade": eio.Upgrade, "noop": eio.Noop}

func TestAgainstNodeParsers(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the cross-check needs it (see README)")
	}
	if _, err := os.Stat("../../node_modules/socket.io-parser"); err != nil {
		t.Fatal("node_modules missing: run `npm ci` at the repository root")
	}
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}

	// What Go writes, for Node to decode.
	var fromGo struct {
		EIO     []string `json:"eio"`
		SIO     [][]any  `json:"sio"`
		Msgpack []string `json:"msgpack"`
	}
	eioPackets := make([][]eio.Packet, len(v.EIO))
	for i, c := range v.EIO {
		for _, p := range c.Packets {
			ep := eio.Packet{Type: eioTypes[p.Type], Data: []byte(p.Data)}
			if p.Bin != nil {
				ep.Data, _ = base64.StdEncoding.DecodeString(*p.Bin)
				ep.Binary = true
			}
			eioPackets[i] = append(eioPackets[i], ep)
		}
		payload, err := eio.AppendPayload(nil, eioPackets[i]...)
		if err != nil {
			t.Fatalf("eio %s: %v", c.Name, err)
		}
		fromGo.EIO = append(fromGo.EIO, string(payload))
	}
	sioPackets := make([]sio.Packet, len(v.SIO))
	for i, c := range v.SIO {
		sioPackets[i] = goPacket(t, c, false)
		fromGo.SIO = append(fromGo.SIO, parts(sio.JSON.Encode(&sioPackets[i])))
	}
	mpPackets := make([]sio.Packet, len(v.Msgpack))
	for i, c := range v.Msgpack {
		mpPackets[i] = goPacket(t, c, true)
		fromGo.Msgpack = append(fromGo.Msgpack, hex.EncodeToString(msgpackparser.Append(nil, &mpPackets[i])))
	}
	goOut := filepath.Join(t.TempDir(), "go.json")
	writeJSON(t, goOut, fromGo)

	cmd := exec.Command(node, "crosscheck.js", "testdata/vectors.json", goOut)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node crosscheck.js: %v\n%s", err, stderr.String())
	}
	var res nodeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}

	t.Run("eio", func(t *testing.T) {
		for i, c := range v.EIO {
			if res.EIO[i].Payload != fromGo.EIO[i] {
				t.Errorf("%s: Go payload %q, Node %q", c.Name, fromGo.EIO[i], res.EIO[i].Payload)
			}
			for j, p := range eioPackets[i] {
				var goFrame any
				if p.Binary {
					goFrame = map[string]any{"$bin": base64.StdEncoding.EncodeToString(p.Data)}
				} else {
					f, _ := eio.AppendText(nil, p)
					goFrame = string(f)
				}
				if !sameJSON(goFrame, res.EIO[i].Frames[j]) {
					t.Errorf("%s packet %d: Go frame %v, Node %s", c.Name, j, goFrame, res.EIO[i].Frames[j])
				}
			}
			// Our decoder reads Node's payload back to the vector's packets.
			k := 0
			err := eio.DecodePayload([]byte(res.EIO[i].Payload), 0, func(p eio.Packet) error {
				if want := eioPackets[i][k]; p.Type != want.Type || p.Binary != want.Binary || !bytes.Equal(p.Data, want.Data) {
					t.Errorf("%s: Go decoded Node's packet %d as %+v, want %+v", c.Name, k, p, want)
				}
				k++
				return nil
			})
			if err != nil || k != len(eioPackets[i]) {
				t.Errorf("%s: Go decoding Node's payload: %d packets, %v", c.Name, k, err)
			}
			// Node reads ours back to the same packets.
			var want []any
			for _, p := range c.Packets {
				m := map[string]any{"type": p.Type, "data": p.Data}
				if p.Bin != nil {
					m["data"] = map[string]any{"$bin": *p.Bin}
				}
				if p.Data == "" && p.Bin == nil { // engine.io-parser leaves data out when there is none
					delete(m, "data")
				}
				want = append(want, m)
			}
			if !sameJSON(want, mustJSON(t, res.EIODecoded[i])) {
				t.Errorf("%s: Node decoded Go's payload as %v, want %v", c.Name, res.EIODecoded[i], want)
			}
		}
		for i, s := range v.EIOInvalid {
			goErr := eio.DecodePayload([]byte(s), 0, func(eio.Packet) error { return nil })
			if goErr == nil || !res.EIOInvalid[i] {
				t.Errorf("invalid payload %q: Go error %v, Node rejected %v", s, goErr, res.EIOInvalid[i])
			}
		}
	})

	t.Run("sio", func(t *testing.T) {
		for i, c := range v.SIO {
			if !sameJSON(fromGo.SIO[i], mustJSON(t, res.SIO[i])) {
				t.Errorf("%s: Go wrote %v, Node %v", c.Name, fromGo.SIO[i], res.SIO[i])
			}
			if d := res.SIODecoded[i]; d.Err != "" || !sameJSON(vectorPacket(t, c), mustJSON(t, d.OK)) {
				t.Errorf("%s: Node decoded Go's packet as %v (%s), want %s", c.Name, d.OK, d.Err, vectorPacket(t, c))
			}
			// Our decoder reads Node's parts and writes them back unchanged.
			var d sio.Decoder
			var got sio.Packet
			done := false
			for _, part := range res.SIO[i] {
				var err error
				if s, ok := part.(string); ok {
					got, done, err = d.Add([]byte(s), false)
				} else {
					b, _ := base64.StdEncoding.DecodeString(part.(map[string]any)["$bin"].(string))
					got, done, err = d.Add(b, true)
				}
				if err != nil {
					t.Fatalf("%s: Go decoding Node's %v: %v", c.Name, res.SIO[i], err)
				}
			}
			if !done || !sameJSON(parts(sio.JSON.Encode(&got)), mustJSON(t, res.SIO[i])) {
				t.Errorf("%s: Go round trip of Node's %v gave %+v", c.Name, res.SIO[i], got)
			}
		}
		for i, s := range v.SIOInvalid {
			_, _, goErr := new(sio.Decoder).Add([]byte(s), false)
			if goErr == nil || res.SIOInvalid[i] == nil {
				t.Errorf("invalid packet %q: Go error %v, Node error %v", s, goErr, res.SIOInvalid[i])
			}
		}
		for i, d := range v.SIODivergent {
			_, _, goErr := new(sio.Decoder).Add([]byte(d.Wire), false)
			if goErr == nil || res.SIODivergent[i] != nil {
				t.Errorf("divergence %q (%s) no longer holds: Go error %v, Node error %v", d.Wire, d.Why, goErr, res.SIODivergent[i])
			}
		}
	})

	// What a JavaScript client sends with the msgpack parser reads as the
	// JSON the default parser would have carried (binary as base64).
	t.Run("msgpack values as JSON", func(t *testing.T) {
		if len(res.MsgpackValues) == 0 {
			t.Fatal("crosscheck.js reported no msgpack values")
		}
		for _, v := range res.MsgpackValues {
			b, _ := hex.DecodeString(v.Hex)
			got, err := msgpackparser.AppendJSON(nil, b)
			if err != nil || !sameJSON(json.RawMessage(got), json.RawMessage(v.JSON)) {
				t.Errorf("%s: AppendJSON(%s) = %s, %v; want %s (JSON.stringify)", v.Name, v.Hex, got, err, v.JSON)
			}
		}
	})

	t.Run("msgpack", func(t *testing.T) {
		for i, c := range v.Msgpack {
			if res.Msgpack[i] != fromGo.Msgpack[i] {
				t.Errorf("%s: Go wrote %s, Node %s", c.Name, fromGo.Msgpack[i], res.Msgpack[i])
			}
			if d := res.MsgpackDecoded[i]; d.Err != "" || !sameJSON(vectorPacket(t, c), mustJSON(t, d.OK)) {
				t.Errorf("%s: Node decoded Go's packet as %v (%s), want %s", c.Name, d.OK, d.Err, vectorPacket(t, c))
			}
			nodeBytes, _ := hex.DecodeString(res.Msgpack[i])
			got, err := msgpackparser.Decode(nodeBytes)
			if err != nil || hex.EncodeToString(msgpackparser.Append(nil, &got)) != res.Msgpack[i] {
				t.Errorf("%s: Go round trip of Node's %s: %+v, %v", c.Name, res.Msgpack[i], got, err)
			}
		}
		for i, c := range v.MsgpackInvalid {
			b, _ := hex.DecodeString(strings.ReplaceAll(c.Hex, " ", ""))
			_, goErr := msgpackparser.Decode(b)
			if goErr == nil || res.MsgpackInvalid[i] == nil {
				t.Errorf("invalid msgpack %s: Go error %v, Node error %v", c.Name, goErr, res.MsgpackInvalid[i])
			}
		}
	})
}

// goPacket builds the Go packet for a vector: data kept raw (compacted, key
// order preserved) unless it holds binary, which goes through AppendJSON;
// for msgpack, data goes through AppendValue, which must write the bytes
// notepack.io writes.
func goPacket(t *testing.T, c packetVector, asMsgpack bool) sio.Packet {
	t.Helper()
	p := sio.Packet{Type: sio.PacketType(c.Packet.Type), Namespace: c.Packet.Nsp}
	if c.Packet.ID != nil {
		p.ID, p.HasID = *c.Packet.ID, true
	}
	if c.Packet.Data == nil {
		return p
	}
	tree := revive(t, c.Packet.Data)
	switch {
	case asMsgpack:
		var err error
		if p.Data, err = msgpackparser.AppendValue(nil, tree); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	case bytes.Contains(c.Packet.Data, []byte(`"$bin"`)):
		var err error
		if p.Data, p.Attachments, err = sio.AppendJSON(nil, tree, nil); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Packet.Data); err != nil {
			t.Fatal(err)
		}
		p.Data = buf.Bytes()
	}
	return p
}

// revive turns vector JSON into Go values: {"$bin": base64} into []byte,
// "$repeat:c:n" into a long string, integers into int64.
func revive(t *testing.T, raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if b, ok := x["$bin"].(string); ok && len(x) == 1 {
				data, _ := base64.StdEncoding.DecodeString(b)
				return data
			}
			for k := range x {
				x[k] = walk(x[k])
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case json.Number:
			if n, err := x.Int64(); err == nil {
				return n
			}
			f, _ := x.Float64()
			return f
		case string:
			if rest, ok := strings.CutPrefix(x, "$repeat:"); ok {
				c, n, _ := strings.Cut(rest, ":")
				count, _ := strconv.Atoi(n)
				return strings.Repeat(c, count)
			}
		}
		return v
	}
	return walk(v)
}

// vectorPacket is the vector as Node's decoder reports it, as JSON.
func vectorPacket(t *testing.T, c packetVector) json.RawMessage {
	m := map[string]any{"type": c.Packet.Type, "nsp": c.Packet.Nsp}
	if c.Packet.ID != nil {
		m["id"] = *c.Packet.ID
	}
	if c.Packet.Data != nil {
		m["data"] = tame(revive(t, c.Packet.Data))
	}
	return mustJSON(t, m)
}

func tame(v any) any {
	switch x := v.(type) {
	case []byte:
		return map[string]any{"$bin": base64.StdEncoding.EncodeToString(x)}
	case map[string]any:
		for k := range x {
			x[k] = tame(x[k])
		}
	case []any:
		for i := range x {
			x[i] = tame(x[i])
		}
	}
	return v
}

func parts(msgs []sio.Message) []any {
	out := make([]any, len(msgs))
	for i, m := range msgs {
		if m.Binary {
			out[i] = map[string]any{"$bin": base64.StdEncoding.EncodeToString(m.Data)}
		} else {
			out[i] = string(m.Data)
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON compares two values as JSON documents, ignoring key order.
func sameJSON(a any, b json.RawMessage) bool {
	ab, err := json.Marshal(a)
	if err != nil {
		return false
	}
	var x, y any
	if json.Unmarshal(ab, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
