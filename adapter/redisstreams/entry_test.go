package redisstreams

import (
	"encoding/base64"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/value"
)

func obj(kv ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

func TestEntryValues(t *testing.T) {
	opts := obj("rooms", []any{"r"}, "except", []any{}, "flags", obj())
	plain := &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Broadcast, Data: obj("packet", obj("type", int64(2), "data", []any{"ev", int64(1)}), "opts", opts)}
	binary := &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Broadcast, Data: obj("packet", obj("type", int64(2), "data", []any{"ev", []byte{1}}), "opts", opts)}
	binMsgpack, _ := value.MarshalAny(binary.Data)
	tests := []struct {
		name      string
		m         *cluster.Message
		plaintext bool
		want      []any
	}{
		{"json", plain, false, []any{"uid", "u", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}},
		{"binary", binary, false, []any{"uid", "u", "nsp", "/", "type", "3", "data", base64.StdEncoding.EncodeToString(binMsgpack)}},
		{"binary, only plaintext", binary, true, []any{"uid", "u", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["ev",{"type":"Buffer","data":[1]}]},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}},
		{"no data", &cluster.Message{UID: "u", Nsp: "/", Type: cluster.Heartbeat}, false, []any{"uid", "u", "nsp", "/", "type", "2"}},
	}
	for _, tt := range tests {
		got, err := entryValues(tt.m, tt.plaintext)
		if err != nil || len(got) != len(tt.want) {
			t.Fatalf("%s: entryValues = %q, %v, want %q", tt.name, got, err, tt.want)
		}
		fields := map[string]any{}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: entryValues[%d] = %q, want %q", tt.name, i, got[i], tt.want[i])
			}
			if i%2 == 0 {
				fields[got[i].(string)] = got[i+1]
			}
		}
		back, err := decodeEntry(fields)
		if err != nil || back.Type != tt.m.Type || back.UID != "u" || back.Nsp != "/" {
			t.Errorf("%s: decodeEntry(entryValues) = %+v, %v", tt.name, back, err)
		}
	}
}

func TestDecodeEntryInvalid(t *testing.T) {
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
		if m, err := decodeEntry(tt.fields); err == nil {
			t.Errorf("%s: decodeEntry(%v) = %+v, want an error", tt.name, tt.fields, m)
		}
	}
}

// TestStreamRouting checks hashCode and the stream of a namespace against
// the Node adapter's own util.hashCode.
func TestStreamRouting(t *testing.T) {
	names := []string{"/", "/chat", "/admin", "/é", "/😀", "/a-much-longer-namespace-name-to-overflow"}
	script := `const { hashCode } = require("@socket.io/redis-streams-adapter/dist/util");
for (const n of process.argv.slice(1)) process.stdout.write(hashCode(n) + " " + (hashCode(n) % 3) + "\n");`
	out, err := exec.Command("node", append([]string{"-e", script}, names...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	o := (&Options{StreamCount: 3}).withDefaults()
	for i, n := range names {
		f := strings.Fields(lines[i])
		want, _ := strconv.Atoi(f[0])
		if got := hashCode(n); int(got) != want {
			t.Errorf("hashCode(%q) = %d, want %d", n, got, want)
		}
		if got, want := o.streamName(n), "socket.io-"+f[1]; got != want {
			t.Errorf("streamName(%q) = %q, want %q", n, got, want)
		}
	}
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
		m, err := decodeEntry(map[string]any{"uid": "u", "nsp": "/", "type": typ, "data": data})
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
