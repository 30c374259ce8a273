package loadgen

import (
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantName string
		wantArg  string
		wantOK   bool
	}{
		{name: "fanout", in: `42["fanout","1732245600123456789|42|7|xxxx"]`, wantName: "fanout", wantArg: `1732245600123456789|42|7|xxxx"]`, wantOK: true},
		{name: "with ack id", in: `4217["relay","5|1|2|x"]`, wantName: "relay", wantArg: `5|1|2|x"]`, wantOK: true},
		{name: "tick", in: `42["tick","1732245600123.456|17|xx"]`, wantName: "tick", wantArg: `1732245600123.456|17|xx"]`, wantOK: true},
		{name: "no args", in: `42["ping"]`, wantName: "ping", wantOK: true},
		{name: "number arg", in: `42["n",1]`, wantName: "n", wantOK: true},
		{name: "ack packet", in: `43["x"]`},
		{name: "namespace prefix", in: `42/chat,["x","y"]`},
		{name: "escaped name", in: `42["a\"b","y"]`},
		{name: "unterminated", in: `42["fano`},
		{name: "short", in: `42`},
		{name: "binary event", in: `451-["x",{"_placeholder":true,"num":0}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, arg, ok := parseEvent([]byte(tt.in))
			if ok != tt.wantOK || string(name) != tt.wantName || string(arg) != tt.wantArg {
				t.Fatalf("parseEvent(%q) = %q, %q, %v, want %q, %q, %v", tt.in, name, arg, ok, tt.wantName, tt.wantArg, tt.wantOK)
			}
		})
	}
}

func TestParseAck(t *testing.T) {
	tests := []struct {
		in       string
		wantID   uint64
		wantArgs string
		wantOK   bool
	}{
		{in: `4317[1000]`, wantID: 17, wantArgs: `[1000]`, wantOK: true},
		{in: `431099511627777[{"sockets":3,"rss":1}]`, wantID: 1099511627777, wantArgs: `[{"sockets":3,"rss":1}]`, wantOK: true},
		{in: `430["5|1|2|x"]`, wantID: 0, wantArgs: `["5|1|2|x"]`, wantOK: true},
		{in: `43[1]`},
		{in: `4317`},
		{in: `4317x[1]`},
		{in: `42["a"]`},
		{in: `4399999999999999999999[1]`},
	}
	for _, tt := range tests {
		id, args, ok := parseAck([]byte(tt.in))
		if ok != tt.wantOK || id != tt.wantID || string(args) != tt.wantArgs {
			t.Errorf("parseAck(%q) = %d, %q, %v, want %d, %q, %v", tt.in, id, args, ok, tt.wantID, tt.wantArgs, tt.wantOK)
		}
	}
}

func TestParseStamp(t *testing.T) {
	tests := []struct {
		in      string
		wantNS  int64
		wantSeq uint64
		wantOK  bool
	}{
		{in: `1732245600123456789|42|7|xxxx"]`, wantNS: 1732245600123456789, wantSeq: 42, wantOK: true},
		{in: `0|0|0|`, wantNS: 0, wantSeq: 0, wantOK: true},
		{in: `17|42`},
		{in: `17|`},
		{in: `|1|2|`},
		{in: `abc|1|`},
		{in: `12345678901234567890|1|`}, // 20 digits overflow
	}
	for _, tt := range tests {
		ns, seq, ok := parseStamp([]byte(tt.in))
		if ok != tt.wantOK || ns != tt.wantNS || seq != tt.wantSeq {
			t.Errorf("parseStamp(%q) = %d, %d, %v, want %d, %d, %v", tt.in, ns, seq, ok, tt.wantNS, tt.wantSeq, tt.wantOK)
		}
	}
}

func TestParseTickStamp(t *testing.T) {
	tests := []struct {
		in      string
		wantNS  int64
		wantSeq uint64
		wantOK  bool
	}{
		{in: `1732245600123.456|17|xx`, wantNS: 1732245600123456000, wantSeq: 17, wantOK: true},
		{in: `1732245600123|1|`, wantNS: 1732245600123000000, wantSeq: 1, wantOK: true},
		{in: `1732245600123.4|2|x`, wantNS: 1732245600123400000, wantSeq: 2, wantOK: true},
		{in: `1732245600123.123456789|3|`, wantNS: 1732245600123123456, wantSeq: 3, wantOK: true},
		{in: `1732245600123.|4|`, wantNS: 1732245600123000000, wantSeq: 4, wantOK: true},
		{in: `1732245600123.456|x|`},
		{in: `1732245600123.456`},
		{in: `.5|1|`},
	}
	for _, tt := range tests {
		ns, seq, ok := parseTickStamp([]byte(tt.in))
		if ok != tt.wantOK || ns != tt.wantNS || seq != tt.wantSeq {
			t.Errorf("parseTickStamp(%q) = %d, %d, %v, want %d, %d, %v", tt.in, ns, seq, ok, tt.wantNS, tt.wantSeq, tt.wantOK)
		}
	}
}

func TestAppendEventRoundTrip(t *testing.T) {
	p := appendEvent(nil, 0, "fanout", "room-1", 1732245600123456789, 42, 7, 100)
	const head = `42["fanout","room-1","`
	if !strings.HasPrefix(string(p), head) || !strings.HasSuffix(string(p), `"]`) {
		t.Fatalf("appendEvent = %q", p)
	}
	payload := p[len(head) : len(p)-2]
	if len(payload) != 100 {
		t.Fatalf("payload is %d bytes, want 100", len(payload))
	}
	// What the server forwards: 42["fanout",<payload>].
	fwd := []byte(`42["fanout","` + string(payload) + `"]`)
	name, arg, ok := parseEvent(fwd)
	if !ok || string(name) != "fanout" {
		t.Fatalf("parseEvent(%q) = %q, %v", fwd, name, ok)
	}
	ns, seq, ok := parseStamp(arg)
	if !ok || ns != 1732245600123456789 || seq != 42 {
		t.Fatalf("parseStamp(%q) = %d, %d, %v", arg, ns, seq, ok)
	}
	withAck := appendEvent(nil, 9, "echo", "", 5, 1, 2, 10)
	if string(withAck) != `429["echo","5|1|2|xxxx"]` {
		t.Fatalf("appendEvent with ack = %q", withAck)
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte(`42["fanout","1|2|3|x"]`))
	f.Add([]byte(`4317[1000]`))
	f.Add([]byte(`1732245600123.456|17|xx`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseEvent(b)
		parseAck(b)
		parseStamp(b)
		parseTickStamp(b)
	})
}

func BenchmarkParseDelivery(b *testing.B) {
	p := []byte(`42["fanout","` + string(appendPayload(nil, 1732245600123456789, 42, 7, 100)) + `"]`)
	b.ReportAllocs()
	for b.Loop() {
		_, arg, _ := parseEvent(p)
		parseStamp(arg)
	}
}

func TestSenderOf(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{in: `1732245600123456789|42|7|xxxx"]`, want: 7},
		{in: `1|2|1999|`, want: 1999},
		{in: `1|2|`, want: -1},
		{in: `1|2`, want: -1},
		{in: `12`, want: -1},
	}
	for _, tt := range tests {
		if got := senderOf([]byte(tt.in)); got != tt.want {
			t.Errorf("senderOf(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
