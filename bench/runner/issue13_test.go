package runner

import (
	"strings"
	"testing"
)

// Issue 13's table: a row per figure, the three servers, both ratios and
// the verdict against the issue's target (relative to the floor where the
// target is).
func TestIssue13Table(t *testing.T) {
	r := &Report{Plan: "test"}
	for _, s := range []string{baseName, candName, floorName} {
		r.server(s).Available = true
	}
	r.add("conns n=10000 c=100", "conns", "conn", false, baseName, &Measure{Throughput: 2000, RSSPerConnKB: 16, Conns: 10000, CPUPerMsgUS: 300})
	r.add("conns n=10000 c=100", "conns", "conn", false, candName, &Measure{Throughput: 4000, RSSPerConnKB: 20, Conns: 10000, CPUPerMsgUS: 150})
	r.add("conns n=10000 c=100", "conns", "conn", false, floorName, &Measure{Throughput: 10000, RSSPerConnKB: 10, Conns: 10000, CPUPerMsgUS: 60})
	r.add("echo c=100", "echo", "echo", false, candName, &Measure{Throughput: 40000, P99MS: 3.5})
	r.add("echo c=100", "echo", "echo", false, floorName, &Measure{Throughput: 40000, P99MS: 3, GenSaturated: true})
	r.add("fanout n=1000 r=100", "fanout", "msg", false, candName, &Measure{ServerCPUPct: 75, P99MS: 12})
	got := r.issue13()

	tests := []struct {
		after string // the row is the first with label after this one
		label string
		want  string // the rest of the row, spaces squeezed
	}{
		{"", "RSS per idle WebSocket conn, 10k held", "KiB 16.0 20.0 10.0 1.25x 2.00x <= 4 KiB MISSED"},
		{"", "connects/s, 100 handshakes in flight", "/s 2000 4000 10k 2.00x 0.40x >= 8,000 MISSED"},
		{"", "echo with ack, 100 clients, acks/s", "/s - 40k 40k! - 1.00x >= 0.9 x floor met"},
		{"", "echo rtt p99", "ms - 3.50 3.00! - 1.17x <= floor + 1 ms met"},
		{"fan-out 1 x 1,000 @ 100 msg/s", "  server CPU", "% - 75.0 - - - < 40 % MISSED"},
	}
	for _, tt := range tests {
		from := strings.Index(got, tt.after)
		i := strings.Index(got[max(from, 0):], "\n"+tt.label)
		if from < 0 || i < 0 {
			t.Errorf("issue13(): no row %q in\n%s", tt.label, got)
			continue
		}
		line, _, _ := strings.Cut(got[from+i+1+len(tt.label):], "\n")
		if f := strings.Join(strings.Fields(line), " "); f != tt.want {
			t.Errorf("issue13() row %q = %q, want %q", tt.label, f, tt.want)
		}
	}
	if strings.Contains(got, "lobby") {
		t.Errorf("issue13() prints lobby rows without a lobby case:\n%s", got)
	}
	if empty := (&Report{}).issue13(); empty != "" {
		t.Errorf("issue13() of a run without its cases = %q, want \"\"", empty)
	}
}
