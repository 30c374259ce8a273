package loadgen

import (
	"testing"
	"time"
)

func TestParseState(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantTick uint64
		wantNS   int64
		wantOK   bool
	}{
		{
			name:     "node, with the recovery offset",
			in:       `42["state",{"tick":17,"t":1732245600123.456,"players":[{"name":"bot-0","x":1,"y":50,"on":true}]},"NhY2Lq1"]`,
			wantTick: 17, wantNS: 1732245600123456000, wantOK: true,
		},
		{
			name:     "other key order, a player named t",
			in:       `42["state",{"players":[{"name":"t","x":0,"y":0,"on":false}],"t":1732245600123,"tick":3}]`,
			wantTick: 3, wantNS: 1732245600123000000, wantOK: true,
		},
		{name: "spaces after colons", in: `42["state",{"tick": 5, "t": 1.5}]`, wantTick: 5, wantNS: 1500000, wantOK: true},
		{name: "nanosecond digits and more", in: `42["state",{"tick":1,"t":2.1234567891}]`, wantTick: 1, wantNS: 2123456, wantOK: true},
		{name: "no t", in: `42["state",{"tick":5}]`},
		{name: "no tick", in: `42["state",{"t":5}]`},
		{name: "t a string", in: `42["state",{"tick":5,"t":"5"}]`},
		{name: "tick negative", in: `42["state",{"tick":-1,"t":5}]`},
		{name: "t overflows", in: `42["state",{"tick":1,"t":99999999999999999}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tick, ns, ok := parseState([]byte(tt.in))
			if ok != tt.wantOK || (ok && (tick != tt.wantTick || ns != tt.wantNS)) {
				t.Errorf("parseState(%q) = %d, %d, %v, want %d, %d, %v", tt.in, tick, ns, ok, tt.wantTick, tt.wantNS, tt.wantOK)
			}
		})
	}
}

func TestParseInputAck(t *testing.T) {
	tests := []struct {
		in         string
		wantSeq    uint64
		wantTick   uint64
		wantFailed bool
		wantOK     bool
	}{
		{in: `[{"seq":5,"tick":9}]`, wantSeq: 5, wantTick: 9, wantOK: true},
		{in: `[{"tick":9,"seq":5}]`, wantSeq: 5, wantTick: 9, wantOK: true},
		{in: `[{"seq":5,"error":"not in a match"}]`, wantFailed: true, wantOK: true},
		{in: `[{"seq":5}]`},
		{in: `[true]`},
	}
	for _, tt := range tests {
		seq, tick, failed, ok := parseInputAck([]byte(tt.in))
		if seq != tt.wantSeq || tick != tt.wantTick || failed != tt.wantFailed || ok != tt.wantOK {
			t.Errorf("parseInputAck(%q) = %d, %d, %v, %v, want %d, %d, %v, %v", tt.in, seq, tick, failed, ok, tt.wantSeq, tt.wantTick, tt.wantFailed, tt.wantOK)
		}
	}
}

func TestParseMatch(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{in: `42["matched",{"match":"17","room":"match:17","players":["a","b"],"you":1}]`, want: "17", wantOK: true},
		{in: `42["matched",{"you":0,"room":"match:m-2","match":"m-2"}]`, want: "m-2", wantOK: true},
		{in: `42["matched",{"match":17}]`},
		{in: `42["matched",{"match":""}]`},
		{in: `42["matched",{}]`},
	}
	for _, tt := range tests {
		got, ok := parseMatch([]byte(tt.in))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseMatch(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestMissingIn: the ticks between two deliveries are spread evenly over
// the time between them, and only those inside the window count.
func TestMissingIn(t *testing.T) {
	const ms = int64(time.Millisecond)
	tests := []struct {
		name           string
		a, b           uint64
		ta, tb, ws, we int64
		want           uint64
	}{
		{name: "next tick", a: 4, b: 5, ta: 100 * ms, tb: 150 * ms, ws: 0, we: 1000 * ms, want: 0},
		{name: "gap inside the window", a: 4, b: 8, ta: 100 * ms, tb: 300 * ms, ws: 0, we: 1000 * ms, want: 3},
		{name: "gap over the window's start", a: 4, b: 8, ta: 100 * ms, tb: 300 * ms, ws: 200 * ms, we: 1000 * ms, want: 2},               // 150 out, 200 and 250 in
		{name: "gap over the window's end", a: 4, b: 8, ta: 100 * ms, tb: 300 * ms, ws: 0, we: 200 * ms, want: 1},                         // 150 in, 200 out
		{name: "gap after the window", a: 4, b: 8, ta: 1100 * ms, tb: 1300 * ms, ws: 0, we: 1000 * ms, want: 0},                           //
		{name: "gap before the window", a: 4, b: 8, ta: 100 * ms, tb: 300 * ms, ws: 500 * ms, we: 1000 * ms, want: 0},                     //
		{name: "a stall after a late loop", a: 10, b: 30, ta: 500 * ms, tb: 1500 * ms, ws: 1000 * ms, we: 2000 * ms, want: 10},            // ticks 20..29 at 1000..1450
		{name: "same stamp in the window", a: 1, b: 4, ta: 100 * ms, tb: 100 * ms, ws: 0, we: 1000 * ms, want: 2},                         //
		{name: "same stamp outside the window", a: 1, b: 4, ta: 100 * ms, tb: 100 * ms, ws: 500 * ms, we: 1000 * ms, want: 0},             //
		{name: "stamps going back", a: 1, b: 4, ta: 200 * ms, tb: 100 * ms, ws: 0, we: 1000 * ms, want: 2},                                //
		{name: "a huge jump is counted, not looped", a: 1, b: 1 << 40, ta: 0, tb: 1 << 40 * ms, ws: 0, we: 1 << 30 * ms, want: 1<<30 - 1}, // one tick per ms
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingIn(tt.a, tt.b, tt.ta, tt.tb, tt.ws, tt.we); got != tt.want {
				t.Errorf("missingIn(%d, %d, %d, %d, %d, %d) = %d, want %d", tt.a, tt.b, tt.ta, tt.tb, tt.ws, tt.we, got, tt.want)
			}
		})
	}
}

// TestGameTail: a client whose states stopped is charged one tick per
// period from its last state to the window's end; one that kept getting
// them, or never got matched, is not.
func TestGameTail(t *testing.T) {
	const s = int64(time.Second)
	client := func(match string, lastT int64) *conn { return &conn{game: &gameConn{match: match, lastT: lastT}} }
	tests := []struct {
		name    string
		clients []*conn
		want    uint64
	}{
		{name: "states kept coming", clients: []*conn{client("1", 13*s), client("1", 13*s+1)}, want: 0},
		{name: "stopped mid-window", clients: []*conn{client("1", 11*s)}, want: 20},
		{name: "stopped before the window", clients: []*conn{client("1", 5*s)}, want: 40},
		{name: "never got a state", clients: []*conn{client("1", 0)}, want: 40},
		{name: "not matched", clients: []*conn{client("", 0)}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &worker{tickHz: 20, game: tt.clients, t: tally{winStart: 10 * s, winEnd: 12 * s}}
			if got := w.gameTail(); got != tt.want {
				t.Errorf("gameTail() = %d, want %d", got, tt.want)
			}
		})
	}
}
