package runner

import (
	"fmt"
	"strings"
)

// Issue 13's table: the rows of its "Figures" section, read from the cases
// of a quick or full run, one column per server, the ratios of Actorio to
// Node and to the floor, and whether Actorio meets the issue's target.

// issueRow is one figure of one case.
type issueRow struct {
	label string
	key   string // the case
	unit  string
	get   func(m *Measure) float64
	// want is the issue's target as text, and met reports whether
	// Actorio's figure a meets it given the floor's f (f < 0: no floor).
	want string
	met  func(a, f float64) (bool, bool) // met, known
}

func atMost(v float64) func(a, f float64) (bool, bool) {
	return func(a, _ float64) (bool, bool) { return a <= v, true }
}

func below(v float64) func(a, f float64) (bool, bool) {
	return func(a, _ float64) (bool, bool) { return a < v, true }
}

func atLeast(v float64) func(a, f float64) (bool, bool) {
	return func(a, _ float64) (bool, bool) { return a >= v, true }
}

var (
	getKiBConn = func(m *Measure) float64 { return m.RSSPerConnKB }
	getDeliv   = func(m *Measure) float64 { return m.Throughput }
	getLoss    = func(m *Measure) float64 { return m.LossPct }
	getP99     = func(m *Measure) float64 { return m.P99MS }
	getCPU     = func(m *Measure) float64 { return m.ServerCPUPct }
	getUS      = func(m *Measure) float64 { return m.CPUPerMsgUS }
)

var issue13Rows = []issueRow{
	{label: "RSS per idle WebSocket conn, 10k held", key: "conns n=10000 c=100", unit: "KiB", get: getKiBConn, want: "<= 4 KiB", met: atMost(4)},
	{label: "connects/s, 100 handshakes in flight", key: "conns n=10000 c=100", unit: "/s", get: getDeliv, want: ">= 8,000", met: atLeast(8000)},
	{label: "  server CPU per connection", key: "conns n=10000 c=100", unit: "µs", get: getUS},
	{label: "echo with ack, 100 clients, acks/s", key: "echo c=100", unit: "/s", get: getDeliv, want: ">= 0.9 x floor",
		met: func(a, f float64) (bool, bool) { return a >= 0.9*f, f > 0 }},
	{label: "echo rtt p99", key: "echo c=100", unit: "ms", get: getP99, want: "<= floor + 1 ms",
		met: func(a, f float64) (bool, bool) { return a <= f+1, f > 0 }},
	{label: "  server CPU per ack", key: "echo c=100", unit: "µs", get: getUS},
	{label: "lobby 200 rooms x 10 @ 20 Hz, loss", key: "lobby 200x10 20Hz", unit: "%", get: getLoss, want: "< 1 %", met: below(1)},
	{label: "  p99", key: "lobby 200x10 20Hz", unit: "ms", get: getP99, want: "< 50 ms", met: below(50)},
	{label: "  server CPU", key: "lobby 200x10 20Hz", unit: "%", get: getCPU},
	{label: "  server CPU per delivery", key: "lobby 200x10 20Hz", unit: "µs", get: getUS},
	{label: "fan-out 1 x 10,000 @ 20 msg/s, loss", key: "fanout n=10000 r=20", unit: "%", get: getLoss},
	{label: "  p99", key: "fanout n=10000 r=20", unit: "ms", get: getP99, want: "< 150 ms", met: below(150)},
	{label: "  server CPU", key: "fanout n=10000 r=20", unit: "%", get: getCPU, want: "< 70 %", met: below(70)},
	{label: "  server CPU per delivery", key: "fanout n=10000 r=20", unit: "µs", get: getUS},
	{label: "fan-out 1 x 1,000 @ 100 msg/s, loss", key: "fanout n=1000 r=100", unit: "%", get: getLoss},
	{label: "  p99", key: "fanout n=1000 r=100", unit: "ms", get: getP99},
	{label: "  server CPU", key: "fanout n=1000 r=100", unit: "%", get: getCPU, want: "< 40 %", met: below(40)},
	{label: "  server CPU per delivery", key: "fanout n=1000 r=100", unit: "µs", get: getUS},
}

// issue13 prints issue 13's table, or "" when the run has none of its
// cases (the smoke plan, -only lobbygame).
func (r *Report) issue13() string {
	cases := map[string]*Case{}
	for _, c := range r.Cases {
		cases[c.Key] = c
	}
	servers := []string{baseName, candName, floorName}
	var b strings.Builder
	for _, row := range issue13Rows {
		c := cases[row.key]
		if c == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("Issue 13's table (one run; \"!\" = the generator saturated, the figure is a bound; A/N, A/F = actorio / node, / floor):\n")
			fmt.Fprintf(&b, "%-40s %-4s", "", "")
			for _, s := range servers {
				fmt.Fprintf(&b, " %8s", s)
			}
			fmt.Fprintf(&b, " %7s %7s  %-16s %s\n", "A/N", "A/F", "wanted", "actorio")
		}
		vals := map[string]float64{}
		fmt.Fprintf(&b, "%-40s %-4s", row.label, row.unit)
		for _, s := range servers {
			m := c.Results[s]
			switch {
			case m == nil:
				fmt.Fprintf(&b, " %8s", "-")
			case m.Error != "":
				fmt.Fprintf(&b, " %8s", "error")
			default:
				vals[s] = row.get(m)
				v := num(vals[s])
				if m.GenSaturated {
					v += "!"
				}
				fmt.Fprintf(&b, " %8s", v)
			}
		}
		ratio := func(base string) string {
			bv, okB := vals[base]
			av, okA := vals[candName]
			if !okB || !okA || bv <= 0 {
				return "-"
			}
			return fmt.Sprintf("%.2fx", av/bv)
		}
		fmt.Fprintf(&b, " %7s %7s", ratio(baseName), ratio(floorName))
		verdict := ""
		if a, ok := vals[candName]; ok && row.met != nil {
			f, okF := vals[floorName]
			if !okF {
				f = -1
			}
			switch met, known := row.met(a, f); {
			case !known:
				verdict = "? (no floor)"
			case met:
				verdict = "met"
			default:
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(&b, "  %-16s %s\n", row.want, verdict)
	}
	return b.String()
}
