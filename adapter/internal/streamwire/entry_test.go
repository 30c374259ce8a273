package streamwire

import (
	"encoding/base64"
	"testing"

	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/internal/value"
)

func obj(kv ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

func TestFields(t *testing.T) {
	opts := obj("rooms", []any{"r"}, "except", []any{}, "flags", obj())
	plain := &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Broadcast, Data: obj("packet", obj("type", int64(2), "data", []any{"ev", int64(1)}), "opts", opts)}
	binary := &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Broadcast, Data: obj("packet", obj("type", int64(2), "data", []any{"ev", []byte{1}}), "opts", opts)}
	binMsgpack, _ := value.MarshalAny(binary.Data)
	joinBinary := &cluster.Message{UID: "u", Nsp: "/", Type: cluster.SocketsJoin, Data: obj("rooms", []any{[]byte{1}})}
	tests := []struct {
		name      string
		m         *cluster.Message
		plaintext bool
		want      []any
	}{
		{"json", plain, false, []any{"uid", "u", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}},
		{"binary", binary, false, []any{"uid", "u", "nsp", "/", "type", "3", "data", base64.StdEncoding.EncodeToString(binMsgpack)}},
		{"binary, only plaintext", binary, true, []any{"uid", "u", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["ev",{"type":"Buffer","data":[1]}]},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}},
		// Node's mayContainBinary: a join is JSON whatever it holds.
		{"binary in a type that may not hold it", joinBinary, false, []any{"uid", "u", "nsp", "/", "type", "4", "data", `{"rooms":[{"type":"Buffer","data":[1]}]}`}},
		{"no data", &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Heartbeat}, false, []any{"uid", "u", "nsp", "/", "type", "2"}},
	}
	for _, tt := range tests {
		got, err := fields(tt.m, tt.plaintext)
		if err != nil || len(got) != len(tt.want) {
			t.Fatalf("%s: fields = %q, %v, want %q", tt.name, got, err, tt.want)
		}
		fields := map[string]any{}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: fields[%d] = %q, want %q", tt.name, i, got[i], tt.want[i])
			}
			if i%2 == 0 {
				fields[got[i].(string)] = got[i+1]
			}
		}
		back, err := Decode(fields)
		if err != nil || back.Type != tt.m.Type || back.UID != "u" || back.Nsp != "/" {
			t.Errorf("%s: Decode(fields) = %+v, %v", tt.name, back, err)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]any
	}{
		{"no nsp", map[string]any{"uid": "u", "type": "3"}},
		{"type not a number", map[string]any{"nsp": "/", "type": "x"}},
		{"type out of range", map[string]any{"nsp": "/", "type": "0"}},
		{"data not base64", map[string]any{"nsp": "/", "type": "3", "data": "%%%"}},
		{"data JSON broken", map[string]any{"nsp": "/", "type": "3", "data": "{"}},
	}
	for _, tt := range tests {
		if m, err := Decode(tt.fields); err == nil {
			t.Errorf("%s: Decode(%v) = %+v, want an error", tt.name, tt.fields, m)
		}
	}
}
