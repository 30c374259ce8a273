package redisstreams

import (
	"encoding/base64"
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/streamwire"
	"github.com/actorio/actorio/internal/value"
)

func obj(kv ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

func TestShouldInclude(t *testing.T) {
	tests := []struct {
		rooms, to, except []string
		want              bool
	}{
		{[]string{"s", "a"}, nil, nil, true},
		{[]string{"s", "a"}, []string{"a"}, nil, true},
		{[]string{"s", "a"}, []string{"b"}, nil, false},
		{[]string{"s", "a"}, nil, []string{"a"}, false},
		{[]string{"s", "a"}, []string{"a"}, []string{"s"}, false},
	}
	for _, tt := range tests {
		if got := shouldInclude(tt.rooms, adapterOpts(tt.to, tt.except)); got != tt.want {
			t.Errorf("shouldInclude(%v, to %v except %v) = %v, want %v", tt.rooms, tt.to, tt.except, got, tt.want)
		}
	}
}

func TestNextOffset(t *testing.T) {
	for in, want := range map[string]string{"1-0": "1-1", "1700000000000-41": "1700000000000-42"} {
		if got, err := nextOffset(in); err != nil || got != want {
			t.Errorf("nextOffset(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add("3", `{"packet":{"type":2,"data":["e"]},"opts":{"rooms":[],"except":[],"flags":{}}}`)
	f.Add("9", "gaFhxAEC")
	f.Fuzz(func(t *testing.T, typ, data string) {
		m, err := streamwire.Decode(map[string]any{"uid": "u", "nsp": "/", "type": typ, "data": data})
		if err != nil || m.Data == nil {
			return
		}
		if packet, opts, _, err := cluster.BroadcastOf(m.Data); err == nil {
			_, _ = cluster.PacketSIO(0, packet, "/", "1-0")
			_ = shouldInclude([]string{"a"}, opts)
		}
	})
}

func FuzzDecodeSession(f *testing.F) {
	s, _ := value.MarshalAny(obj("sid", "s", "pid", "p", "rooms", []any{"s", "r"}, "data", obj("k", []byte{1})))
	f.Add(base64.StdEncoding.EncodeToString(s))
	f.Fuzz(func(t *testing.T, raw string) {
		sess, err := decodeSession(raw)
		if err == nil && sess.SID == "" {
			t.Fatalf("decodeSession(%q) = a session without sid", raw)
		}
	})
}

func adapterOpts(to, except []string) adapter.BroadcastOptions {
	return adapter.BroadcastOptions{Rooms: to, Except: except}
}
