package runner

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Measure is one case measured against one server.
type Measure struct {
	Rate       float64 `json:"rate_per_s"`      // offered: messages (or echoes, tick emits) per second
	Sent       uint64  `json:"sent"`            // messages sent in the window
	Expected   uint64  `json:"expected"`        // deliveries a perfect server makes for them
	Delivered  uint64  `json:"delivered"`       // deliveries of messages sent in the window
	LossPct    float64 `json:"loss_pct"`        // 100 × (1 − delivered / expected)
	Throughput float64 `json:"delivered_per_s"` // delivered / window

	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	P999MS float64 `json:"p999_ms"`
	MaxMS  float64 `json:"max_ms"`

	ServerCPUSec float64 `json:"server_cpu_s"`
	ServerCPUPct float64 `json:"server_cpu_pct"` // of one core
	CPUPerMsgUS  float64 `json:"server_cpu_us_per_msg"`
	IdleCPUPct   float64 `json:"server_idle_cpu_pct,omitempty"`
	RSSBytes     int64   `json:"server_rss_bytes"`
	PeakRSSBytes int64   `json:"server_peak_rss_bytes"`
	RSSPerConnKB float64 `json:"server_rss_per_conn_kib"` // (RSS − RSS before any client) / connections
	Conns        int     `json:"conns"`

	SoftIRQPct    float64 `json:"softirq_pct"`          // irq+softirq on all CPUs, % of one core (loopback network work)
	OtherCPUPct   float64 `json:"other_cpu_pct"`        // CPU of everything else on the machine, % of one core
	ServerCorePct float64 `json:"server_core_busy_pct"` // the server's CPU, busy with anything (when pinned)
	GenCorePct    float64 `json:"gen_core_busy_pct"`    // the generator's CPU, busy with anything (when pinned)

	GenCPUPct    float64 `json:"gen_cpu_pct"` // of one core
	GenSaturated bool    `json:"gen_saturated"`
	SendLagP99MS float64 `json:"gen_send_lag_p99_ms"` // how late the generator wrote, p99

	Disconnects uint64   `json:"disconnects"`
	Dropped     uint64   `json:"gen_dropped"`
	Pass        *bool    `json:"pass,omitempty"`        // fanout: loss < 1% and p99 under the bound
	LowerBound  bool     `json:"lower_bound,omitempty"` // breaking point: the highest rate tried passed
	Notes       []string `json:"notes,omitempty"`
	Error       string   `json:"error,omitempty"`

	Cluster *ClusterSplit `json:"cluster,omitempty"` // cluster cases: each server's members apart
	Game    *GameFigures  `json:"lobbygame,omitempty"`
}

// ClusterSplit is a cluster case seen from each server of the pair: the
// cost of the Redis hop is the difference between them.
type ClusterSplit struct {
	Adapter     string  `json:"adapter"`       // REDIS_ADAPTER
	Local       Part    `json:"local"`         // server A: the publisher's, delivers directly
	Remote      Part    `json:"remote"`        // server B: every message came through Redis
	RedisCPUPct float64 `json:"redis_cpu_pct"` // redis-server's CPU, % of one core (not in cpu% or µs/msg)
}

// Part is what the members of one server of a cluster pair got, and what
// that server used.
type Part struct {
	Members   int     `json:"members"`
	Expected  uint64  `json:"expected"`
	Delivered uint64  `json:"delivered"`
	LossPct   float64 `json:"loss_pct"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	CPUPct    float64 `json:"server_cpu_pct"`
	RSSBytes  int64   `json:"server_rss_bytes"`
}

// Case is one line of the comparison: the same load against every server.
type Case struct {
	Key      string              `json:"key"`
	Scenario string              `json:"scenario"`
	Unit     string              `json:"unit"` // what a "message" is for µs/msg
	Breaking bool                `json:"breaking_point,omitempty"`
	Members  int                 `json:"members,omitempty"`
	Rate     float64             `json:"rate,omitempty"`
	Results  map[string]*Measure `json:"results"`
	order    int
}

// ServerStatus says whether a server could be measured, and what it got
// wrong against the contract.
type ServerStatus struct {
	Name      string   `json:"name"`
	Command   string   `json:"command"`
	Available bool     `json:"available"`
	Reason    string   `json:"reason,omitempty"`
	Contract  []string `json:"contract_notes,omitempty"`
	// ClusterReason says why a pair of this server could not be measured
	// in the cluster scenario.
	ClusterReason string `json:"cluster_not_measured,omitempty"`
	// LobbyCommand is the server's lobby game (the lobbygame scenario);
	// LobbyReason says why it could not be measured.
	LobbyCommand string `json:"lobbygame_command,omitempty"`
	LobbyReason  string `json:"lobbygame_not_measured,omitempty"`
}

// Report is a whole run.
type Report struct {
	Plan     string          `json:"plan"`
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished"`
	Machine  Machine         `json:"machine"`
	Servers  []*ServerStatus `json:"servers"`
	Cases    []*Case         `json:"cases"`
	Skipped  []string        `json:"skipped,omitempty"`
	// RedisAdapter is the cluster scenario's REDIS_ADAPTER, when it ran.
	RedisAdapter string `json:"redis_adapter,omitempty"`
	Table        string `json:"-"`
}

func (r *Report) server(name string) *ServerStatus {
	for _, s := range r.Servers {
		if s.Name == name {
			return s
		}
	}
	s := &ServerStatus{Name: name}
	r.Servers = append(r.Servers, s)
	return s
}

// note records a contract finding for a server once.
func (r *Report) note(server, format string, args ...any) {
	s := r.server(server)
	msg := fmt.Sprintf(format, args...)
	for _, n := range s.Contract {
		if n == msg {
			return
		}
	}
	s.Contract = append(s.Contract, msg)
}

// has reports whether server has a result under key.
func (r *Report) has(key, server string) bool {
	for _, c := range r.Cases {
		if c.Key == key {
			return c.Results[server] != nil
		}
	}
	return false
}

func (r *Report) add(key, scenario, unit string, breaking bool, server string, m *Measure) {
	r.addCase(&Case{Key: key, Scenario: scenario, Unit: unit, Breaking: breaking}, server, m)
}

// addCase records m for server under c.Key, creating the case the first
// time. Cases stay in the order scenarios first appeared; within a
// scenario, by members, then rate, the breaking point last.
func (r *Report) addCase(c *Case, server string, m *Measure) {
	for _, old := range r.Cases {
		if old.Key == c.Key {
			old.Results[server] = m
			return
		}
	}
	c.Results = map[string]*Measure{server: m}
	c.order = len(r.Cases)
	for _, old := range r.Cases {
		if old.Scenario == c.Scenario {
			c.order = min(c.order, old.order)
		}
	}
	r.Cases = append(r.Cases, c)
	sort.SliceStable(r.Cases, func(i, j int) bool {
		a, b := r.Cases[i], r.Cases[j]
		switch {
		case a.order != b.order:
			return a.order < b.order
		case a.Members != b.Members:
			return a.Members < b.Members
		case a.Breaking != b.Breaking:
			return b.Breaking
		}
		return a.Rate < b.Rate
	})
}

// the two servers the table compares, and the floor (bench/cmd/floor-server:
// the contract and nothing more, the cost of the kernel and the generator)
// Actorio is also compared with; others are printed without a ratio.
const (
	baseName  = "node"
	candName  = "actorio"
	floorName = "floor"
)

type column struct {
	head  string
	get   func(m *Measure) float64
	ratio bool // print Actorio ÷ Node on the ratio line
	fmt   func(m *Measure) string
}

var columns = []column{
	{head: "rate/s", get: func(m *Measure) float64 { return m.Rate }},
	{head: "deliv/s", get: func(m *Measure) float64 { return m.Throughput }, ratio: true},
	{head: "loss%", get: func(m *Measure) float64 { return m.LossPct }},
	{head: "p50ms", get: func(m *Measure) float64 { return m.P50MS }, ratio: true},
	{head: "p99ms", get: func(m *Measure) float64 { return m.P99MS }, ratio: true},
	{head: "µs/msg", get: func(m *Measure) float64 { return m.CPUPerMsgUS }, ratio: true},
	{head: "cpu%", get: func(m *Measure) float64 { return m.ServerCPUPct }, ratio: true},
	{head: "rssMiB", get: func(m *Measure) float64 { return float64(m.RSSBytes) / (1 << 20) }, ratio: true},
	{head: "KiB/conn", get: func(m *Measure) float64 { return m.RSSPerConnKB }, ratio: true},
	{head: "gen%", get: func(m *Measure) float64 { return m.GenCPUPct }, fmt: func(m *Measure) string {
		v := fmt.Sprintf("%.0f", m.GenCPUPct)
		if m.GenSaturated {
			v += "!"
		}
		return v
	}},
	{head: "sirq%", get: func(m *Measure) float64 { return m.SoftIRQPct }, fmt: func(m *Measure) string { return fmt.Sprintf("%.0f", m.SoftIRQPct) }},
	{head: "other%", get: func(m *Measure) float64 { return m.OtherCPUPct }, fmt: func(m *Measure) string {
		v := fmt.Sprintf("%.0f", m.OtherCPUPct)
		if m.OtherCPUPct >= noisyPct {
			v += "~"
		}
		return v
	}},
}

// noisyPct: other processes used this much of a core during the window;
// the row is marked and worth repeating.
const noisyPct = 20

// WriteTable prints the comparison: for every case a line per server and a
// line of ratios (Actorio ÷ Node; the CPU-normalised figure µs/msg is server
// CPU time per delivered message).
func (r *Report) WriteTable(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Actorio vs Node.js socket.io %s, plan %q, %s\n", r.Machine.SocketIO, r.Plan, r.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "machine: %d x %s, %s, kernel %s; %s; node %s; commit %.12s%s\n",
		r.Machine.NProc, r.Machine.Model, r.Machine.MemTotal, r.Machine.Kernel, r.Machine.Go, r.Machine.Node, r.Machine.GitCommit, map[bool]string{true: " (dirty)"}[r.Machine.GitDirty])
	fmt.Fprintf(&b, "pinning: %s\n", r.Machine.PinNote)
	for _, s := range r.Servers {
		if !s.Available && s.Reason != "" {
			fmt.Fprintf(&b, "%s: NOT MEASURED: %s\n", s.Name, s.Reason)
		}
		if s.LobbyReason != "" {
			fmt.Fprintf(&b, "%s lobby game (lobbygame): NOT MEASURED: %s\n", s.Name, s.LobbyReason)
		}
	}
	if r.RedisAdapter != "" {
		redis := r.Machine.Redis
		if redis == "" {
			redis = "redis-server"
		}
		where := ""
		if r.Machine.Pinned {
			where = ", on the servers' CPU"
		}
		fmt.Fprintf(&b, "cluster: each pair of servers on one %s%s, REDIS_ADAPTER=%s\n", redis, where, r.RedisAdapter)
	}
	for _, s := range r.Servers {
		if s.ClusterReason != "" {
			fmt.Fprintf(&b, "%s pair (cluster): NOT MEASURED: %s\n", s.Name, s.ClusterReason)
		}
	}
	b.WriteString("\n")
	const caseW, srvW, colW = 22, 7, 8
	fmt.Fprintf(&b, "%-*s %-*s", caseW, "case", srvW, "server")
	for _, c := range columns {
		fmt.Fprintf(&b, " %*s", colW, c.head)
	}
	b.WriteString(" pass\n")
	b.WriteString(strings.Repeat("-", caseW+srvW+len(columns)*(colW+1)+6) + "\n")
	names := r.serverOrder()
	for _, c := range r.Cases {
		first := true
		for _, name := range names {
			m := c.Results[name]
			label := ""
			if first {
				label = c.Key
				first = false
			}
			fmt.Fprintf(&b, "%-*s %-*s", caseW, label, srvW, name)
			switch {
			case m == nil:
				b.WriteString(" -\n")
				continue
			case m.Error != "":
				fmt.Fprintf(&b, " error: %s\n", m.Error)
				continue
			}
			for _, col := range columns {
				switch {
				case col.head == "KiB/conn" && m.Conns == 0:
					fmt.Fprintf(&b, " %*s", colW, "-")
				case col.fmt != nil:
					fmt.Fprintf(&b, " %*s", colW, col.fmt(m))
				default:
					fmt.Fprintf(&b, " %*s", colW, num(col.get(m)))
				}
			}
			switch {
			case m.LowerBound:
				b.WriteString(" >= (lower bound)")
			case m.Pass != nil:
				b.WriteString(map[bool]string{true: " ok", false: " FAIL"}[*m.Pass])
			}
			b.WriteString("\n")
		}
		cand := c.Results[candName]
		for _, rl := range []struct{ label, name string }{{"A/N", baseName}, {"A/F", floorName}} {
			base := c.Results[rl.name]
			if base == nil || cand == nil || base.Error != "" || cand.Error != "" {
				continue
			}
			fmt.Fprintf(&b, "%-*s %-*s", caseW, "", srvW, rl.label)
			for _, col := range columns {
				cell := ratioCell(col, base, cand)
				if c.Breaking && col.head != "deliv/s" {
					cell = "" // the servers broke at different loads
				}
				fmt.Fprintf(&b, " %*s", colW, cell)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n" + legend)
	if s := r.issue13(); s != "" {
		b.WriteString("\n" + s)
	}
	if s := r.summary(); s != "" {
		b.WriteString("\n" + s)
	}
	if s := r.clusterSplit(); s != "" {
		b.WriteString("\n" + s)
	}
	if s := r.gameSplit(); s != "" {
		b.WriteString("\n" + s)
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\nskipped: " + strings.Join(r.Skipped, "; ") + "\n")
	}
	for _, s := range r.Servers {
		if len(s.Contract) > 0 {
			fmt.Fprintf(&b, "\n%s against docs/bench-contract.md:\n", s.Name)
			for _, n := range s.Contract {
				fmt.Fprintf(&b, "  - %s\n", n)
			}
		}
	}
	r.Table = b.String()
	io.WriteString(w, r.Table)
}

const legend = `rate/s   offered rate: messages sent/s (echo: round trips/s; tick: room emits/s; conns: attempts/s)
deliv/s  deliveries of messages sent in the window, per second; loss% = 100 x (1 - delivered/expected)
p50/p99  receive time minus intended send time, ms (conns: set-up time; echo: round trip)
µs/msg   server CPU time per delivered message (conns: per connection); cpu% = server CPU, % of one core
KiB/conn (RSS - RSS before the first client) / connections
gen%     generator CPU, % of its core; "!" = saturated (>= 90%, its core >= 97% busy, or send lag p99
         >= max(5 ms, p99/4)): the row measures the generator, not the server; trust its µs/msg only
sirq%    irq+softirq on both cores, % of one core (the loopback network path, charged to no process)
other%   CPU of everything else on the machine; "~" = >= 20%: noisy, repeat the run
A/N      Actorio / Node: lower is better for p50, p99, µs/msg, cpu%, memory; higher for deliv/s
A/F      Actorio / floor (bench/cmd/floor-server: the contract and nothing more, one write per delivery;
         the cost of the kernel and the generator alone, the lower bound)
break    highest fanout rate with loss < 1% and p99 < 100 ms (300 ms at 10,000 members); ">=": a lower
         bound (the ladder's top passed, or the first failing step saturated the generator)
cluster  fanout to members split over two servers of one kind on one redis-server, sent on server A;
         cpu%, µs/msg and memory add both servers (Redis apart: see the split below the table)
lobbygame the lobby game on each side's own server (bench/node/lobby.js, examples/lobby): rate/s = state
         broadcasts/s, deliv/s = states received/s, loss% = ticks missing (gaps, and ticks that never
         came) / ticks due, p50/p99 = receive time minus the state's t; pass: loss < 1%, p99 < 50 ms
`

func (r *Report) serverOrder() []string {
	var names []string
	for _, s := range r.Servers {
		names = append(names, s.Name)
	}
	return names
}

func ratioCell(col column, base, cand *Measure) string {
	if !col.ratio {
		return ""
	}
	if col.head == "KiB/conn" && (base.Conns == 0 || cand.Conns == 0) {
		return ""
	}
	if col.head == "deliv/s" && math.Abs(col.get(base)-col.get(cand)) <= 0.005*col.get(base) {
		return "="
	}
	bv, cv := col.get(base), col.get(cand)
	if bv <= 0 || cv < 0 || math.IsNaN(bv) || math.IsNaN(cv) {
		return "-"
	}
	return fmt.Sprintf("%.2fx", cv/bv)
}

// num formats a figure with three significant digits and k/M suffixes.
func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case math.Abs(v) >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// summary compares Actorio with Node against the issue's headline target:
// 5x lower server CPU per delivered message.
func (r *Report) summary() string {
	var b strings.Builder
	const target = 5.0
	for _, c := range r.Cases {
		base, cand := c.Results[baseName], c.Results[candName]
		if base == nil || cand == nil || base.Error != "" || cand.Error != "" || cand.CPUPerMsgUS <= 0 || c.Breaking {
			continue
		}
		if b.Len() == 0 {
			fmt.Fprintf(&b, "Server CPU per delivered %s, Node / Actorio (target: %.0fx lower), and Actorio / floor:\n", "message", target)
		}
		f := base.CPUPerMsgUS / cand.CPUPerMsgUS
		verdict := "below target"
		if f >= target {
			verdict = "meets target"
		}
		flags := ""
		if base.GenSaturated || cand.GenSaturated {
			flags = " (generator saturated: figure describes the generator)"
		}
		if (base.LossPct >= 1 || cand.LossPct >= 1) && c.Scenario != "conns" {
			flags += fmt.Sprintf(" (loss: node %.1f%%, actorio %.1f%%)", base.LossPct, cand.LossPct)
		}
		if fl := c.Results[floorName]; fl != nil && fl.Error == "" && fl.CPUPerMsgUS > 0 {
			flags += fmt.Sprintf("; actorio / floor %.2fx", cand.CPUPerMsgUS/fl.CPUPerMsgUS)
		}
		fmt.Fprintf(&b, "  %-26s %6.2fx  %s%s\n", c.Key, f, verdict, flags)
	}
	first := true
	for _, c := range r.Cases {
		base, cand := c.Results[baseName], c.Results[candName]
		if !c.Breaking || base == nil || cand == nil || base.Error != "" || cand.Error != "" {
			continue
		}
		if first {
			b.WriteString("Fanout breaking points (fanout, cluster: highest rate with loss < 1% and p99 under the bound), Actorio / Node:\n")
			first = false
		}
		ratio := "-"
		if base.Rate > 0 {
			ratio = fmt.Sprintf("%.2fx", cand.Rate/base.Rate)
			switch {
			case cand.LowerBound && !base.LowerBound:
				ratio = ">= " + ratio + " (actorio's is a lower bound)"
			case base.LowerBound && !cand.LowerBound:
				ratio = "<= " + ratio + " (node's is a lower bound)"
			case base.LowerBound && cand.LowerBound:
				ratio += " (both are lower bounds)"
			}
		}
		fmt.Fprintf(&b, "  %-26s node %s msg/s (%s deliv/s), actorio %s msg/s (%s deliv/s): %s\n",
			c.Key, num(base.Rate), num(base.Throughput), num(cand.Rate), num(cand.Throughput), ratio)
	}
	return b.String()
}

// clusterSplit prints the cluster cases per server of each pair: what the
// members on the publisher's server got, what those on the other got
// through Redis, each server's CPU and Redis's.
func (r *Report) clusterSplit() string {
	var b strings.Builder
	for _, c := range r.Cases {
		if c.Scenario != "cluster" || c.Breaking {
			continue
		}
		label := c.Key
		for _, name := range r.serverOrder() {
			m := c.Results[name]
			if m == nil || m.Error != "" || m.Cluster == nil {
				continue
			}
			if b.Len() == 0 {
				fmt.Fprintf(&b, "Cluster, each server of a pair apart (A: the publisher's server; B: every message through Redis, %s):\n", m.Cluster.Adapter)
				fmt.Fprintf(&b, "%-22s %-7s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "case", "server", "A loss%", "A p50", "A p99", "A cpu%", "B loss%", "B p50", "B p99", "B cpu%", "redis%")
			}
			l, rm := m.Cluster.Local, m.Cluster.Remote
			fmt.Fprintf(&b, "%-22s %-7s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", label, name,
				num(l.LossPct), num(l.P50MS), num(l.P99MS), num(l.CPUPct),
				num(rm.LossPct), num(rm.P50MS), num(rm.P99MS), num(rm.CPUPct), num(m.Cluster.RedisCPUPct))
			label = ""
		}
	}
	return b.String()
}
