package runner

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.1234, "0.123"}, {1.234, "1.23"}, {12.34, "12.3"}, {123.4, "123"},
		{9999, "9999"}, {12345, "12.3k"}, {360000, "360k"}, {1234567, "1.23M"},
	}
	for _, tt := range tests {
		if got := num(tt.in); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLadder(t *testing.T) {
	got := ladder(10, 80, 2)
	want := []float64{10, 20, 40, 80}
	if len(got) != len(want) {
		t.Fatalf("ladder(10, 80, 2) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ladder(10, 80, 2) = %v, want %v", got, want)
		}
	}
	for _, p := range []Plan{QuickPlan(), FullPlan(), SmokePlan()} {
		for _, f := range p.Fanout {
			for i := 1; i < len(f.Rates); i++ {
				if f.Rates[i] <= f.Rates[i-1] {
					t.Errorf("plan %s fanout n=%d: rates not increasing: %v", p.Name, f.Members, f.Rates)
				}
			}
		}
	}
}

func sampleReport() *Report {
	pass, fail := true, false
	r := &Report{Plan: "test", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	r.server(baseName).Available = true
	r.server(candName).Available = true
	r.add("fanout n=1000 r=10", "fanout", "msg", false, baseName, &Measure{Rate: 10, Throughput: 10000, P50MS: 2, P99MS: 20, CPUPerMsgUS: 10, Pass: &pass, GenCPUPct: 10})
	r.add("fanout n=1000 r=10", "fanout", "msg", false, candName, &Measure{Rate: 10, Throughput: 10000, P50MS: 1, P99MS: 5, CPUPerMsgUS: 2, Pass: &pass, GenCPUPct: 95, GenSaturated: true})
	r.add("fanout n=1000 r=30", "fanout", "msg", false, baseName, &Measure{Rate: 30, Throughput: 20000, LossPct: 33, P99MS: 900, CPUPerMsgUS: 9, Pass: &fail})
	r.add("fanout n=1000 break", "fanout", "msg", true, baseName, &Measure{Rate: 10, Throughput: 10000})
	r.add("fanout n=1000 break", "fanout", "msg", true, candName, &Measure{Rate: 300, Throughput: 300000, LowerBound: true})
	r.add("conns n=10", "conns", "conn", false, baseName, &Measure{Error: "boom"})
	r.note(candName, "join acked %d", 3)
	r.note(candName, "join acked %d", 3)
	return r
}

func TestWriteTable(t *testing.T) {
	r := sampleReport()
	var b strings.Builder
	r.WriteTable(&b)
	out := b.String()
	for _, want := range []string{
		"fanout n=1000 r=10",
		"0.20x",        // µs/msg ratio 2/10
		"95!",          // saturated generator
		" FAIL",        // failing ladder step
		"error: boom",  // a failed case
		"meets target", // 10/2 = 5x
		"30.00x",       // breaking point ratio 300/10
		"join acked 3", // contract note
		"A/N",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "join acked 3") != 1 {
		t.Errorf("contract note repeated:\n%s", out)
	}
	if r.Table != out {
		t.Errorf("Report.Table differs from what WriteTable printed")
	}
}

func TestChartIsWellFormedSVG(t *testing.T) {
	r := sampleReport()
	r.WriteTable(io.Discard)
	svg := r.Chart()
	d := xml.NewDecoder(strings.NewReader(svg))
	elems := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			elems++
		}
	}
	if elems < 20 || !strings.HasPrefix(svg, "<svg") {
		t.Fatalf("chart has %d elements; want a drawing", elems)
	}
	for _, want := range []string{"actorio 5.0x less", "a lower bound"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestCaseOrder(t *testing.T) {
	r := &Report{}
	m := &Measure{}
	r.add("conns n=10", "conns", "conn", false, baseName, m)
	r.addCase(&Case{Key: "fanout n=1000 r=10", Scenario: "fanout", Members: 1000, Rate: 10}, baseName, m)
	r.addCase(&Case{Key: "fanout n=1000 break", Scenario: "fanout", Members: 1000, Breaking: true}, baseName, m)
	r.addCase(&Case{Key: "fanout n=1000 r=300", Scenario: "fanout", Members: 1000, Rate: 300}, candName, m)
	r.addCase(&Case{Key: "fanout n=100 r=3", Scenario: "fanout", Members: 100, Rate: 3}, candName, m)
	r.add("echo c=1", "echo", "echo", false, baseName, m)
	r.addCase(&Case{Key: "fanout n=1000 r=10", Scenario: "fanout", Members: 1000, Rate: 10}, candName, m)
	var got []string
	for _, c := range r.Cases {
		got = append(got, c.Key)
	}
	want := []string{"conns n=10", "fanout n=100 r=3", "fanout n=1000 r=10", "fanout n=1000 r=300", "fanout n=1000 break", "echo c=1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("case order = %q, want %q", got, want)
	}
	if len(r.Cases[2].Results) != 2 {
		t.Fatalf("fanout n=1000 r=10 has %d results, want both servers", len(r.Cases[2].Results))
	}
}
