package runner

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

func TestCheckRedisAdapter(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"pubsub", false}, {"streams", false}, {"sharded", false},
		{"", true}, {"PUBSUB", true}, {"cluster", true},
	}
	for _, tt := range tests {
		if err := CheckRedisAdapter(tt.in); (err != nil) != tt.wantErr {
			t.Errorf("CheckRedisAdapter(%q) = %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
}

func TestRedisVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n", "redis-server 7.0.15"},
		{"something else\n", "something else"},
	}
	for _, tt := range tests {
		if got := redisVersion(tt.in); got != tt.want {
			t.Errorf("redisVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHalves(t *testing.T) {
	tests := []struct{ n, a, b int }{{1000, 500, 500}, {5001, 2501, 2500}, {1, 1, 0}, {0, 0, 0}}
	for _, tt := range tests {
		if a, b := halves(tt.n); a != tt.a || b != tt.b {
			t.Errorf("halves(%d) = %d, %d, want %d, %d", tt.n, a, b, tt.a, tt.b)
		}
	}
}

func TestSplitPart(t *testing.T) {
	tally := func(delivered uint64, lat ...time.Duration) loadgen.Tally {
		x := loadgen.Tally{Delivered: delivered}
		for _, d := range lat {
			x.Latency.Record(d)
		}
		return x
	}
	tests := []struct {
		name    string
		t       loadgen.Tally
		members int
		sent    uint64
		cpu     time.Duration
		sec     float64
		want    Part
	}{
		{
			name: "all delivered", t: tally(1000, time.Millisecond, 3*time.Millisecond),
			members: 500, sent: 2, cpu: 300 * time.Millisecond, sec: 3,
			want: Part{Members: 500, Expected: 1000, Delivered: 1000, LossPct: 0, P50MS: 1, P99MS: 3, CPUPct: 10, RSSBytes: 7},
		},
		{
			name: "a quarter lost", t: tally(750), members: 500, sent: 2, cpu: 0, sec: 3,
			want: Part{Members: 500, Expected: 1000, Delivered: 750, LossPct: 25, RSSBytes: 7},
		},
		{
			name: "nothing sent", t: tally(0), members: 500, sent: 0, sec: 0,
			want: Part{Members: 500, RSSBytes: 7},
		},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 0.01*math.Max(math.Abs(b), 0.01) }
	for _, tt := range tests {
		got := splitPart(tt.t, tt.members, tt.sent, tt.cpu, tt.sec, 7)
		if got.Members != tt.want.Members || got.Expected != tt.want.Expected || got.Delivered != tt.want.Delivered ||
			got.RSSBytes != tt.want.RSSBytes || !near(got.LossPct, tt.want.LossPct) || !near(got.P50MS, tt.want.P50MS) ||
			!near(got.P99MS, tt.want.P99MS) || !near(got.CPUPct, tt.want.CPUPct) {
			t.Errorf("%s: splitPart = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestRunConfigErrors: a bad -only or -redis-adapter is an error before
// anything starts, not a scenario silently left out.
func TestRunConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown scenario", Config{Plan: SmokePlan(), Only: []string{"fanout", "clutser"}}, `unknown scenario "clutser"`},
		{"unknown adapter", Config{Plan: SmokePlan(), RedisAdapter: "kafka"}, `redis adapter "kafka"`},
	}
	for _, tt := range tests {
		_, err := Run(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Run = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestClusterWithoutRedis: no redis-server means every pair is reported
// NOT MEASURED with the reason, once, and the other scenarios are not
// affected.
func TestClusterWithoutRedis(t *testing.T) {
	p := SmokePlan()
	p.Cluster = append(p.Cluster, FanoutPlan{Members: 60, Rates: []float64{1}})
	r := &Runner{
		cfg:  Config{RedisServer: "/nonexistent/redis-server"},
		plan: p, rep: &Report{Plan: "test"}, started: time.Now(), serverCPU: -1,
		defs: []ServerDef{{Name: baseName}, {Name: candName}},
	}
	r.rep.server(baseName).Available = true
	r.rep.server(candName).Available = true
	r.runClusters()
	for _, name := range []string{baseName, candName} {
		if got := r.rep.server(name).ClusterReason; got != redisMissing {
			t.Errorf("%s ClusterReason = %q, want %q", name, got, redisMissing)
		}
	}
	if len(r.rep.Cases) != 0 {
		t.Errorf("cases %v recorded for pairs that were not measured", r.rep.Cases)
	}
	var b strings.Builder
	r.rep.WriteTable(&b)
	if want := "node pair (cluster): NOT MEASURED: " + redisMissing; strings.Count(b.String(), want) != 1 {
		t.Errorf("table has not exactly one %q:\n%s", want, b.String())
	}
	var nm notMeasured
	if err := r.withPair(ServerDef{Name: baseName}, "x", func(*pair) error { return nil }); !errors.As(err, &nm) {
		t.Errorf("withPair without redis-server = %v, want a notMeasured error", err)
	}
}

func clusterReport() *Report {
	pass := true
	r := &Report{Plan: "test", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), RedisAdapter: "pubsub"}
	r.Machine.Redis = "redis-server 7.0.15"
	r.Machine.Pinned = true
	r.server(baseName).Available = true
	r.server(candName).Available = true
	split := func(lp99, rp99 float64) *ClusterSplit {
		return &ClusterSplit{Adapter: "pubsub", RedisCPUPct: 1.5,
			Local:  Part{Members: 500, Expected: 15000, Delivered: 15000, P50MS: 2, P99MS: lp99, CPUPct: 20},
			Remote: Part{Members: 500, Expected: 15000, Delivered: 14850, LossPct: 1, P50MS: 4, P99MS: rp99, CPUPct: 18}}
	}
	r.addCase(&Case{Key: "cluster n=1000 r=30", Scenario: "cluster", Unit: "msg", Members: 1000, Rate: 30}, baseName,
		&Measure{Rate: 30, Throughput: 30000, P50MS: 3, P99MS: 40, CPUPerMsgUS: 14, ServerCPUPct: 42, Pass: &pass, Cluster: split(12.5, 40)})
	r.addCase(&Case{Key: "cluster n=1000 r=30", Scenario: "cluster", Unit: "msg", Members: 1000, Rate: 30}, candName,
		&Measure{Rate: 30, Throughput: 30000, P50MS: 1, P99MS: 4, CPUPerMsgUS: 7, ServerCPUPct: 21, Pass: &pass, Cluster: split(2.5, 4)})
	r.addCase(&Case{Key: "cluster n=1000 break", Scenario: "cluster", Unit: "msg", Members: 1000, Breaking: true}, baseName, &Measure{Rate: 30, Throughput: 30000})
	r.addCase(&Case{Key: "cluster n=1000 break", Scenario: "cluster", Unit: "msg", Members: 1000, Breaking: true}, candName, &Measure{Rate: 30, Throughput: 30000, LowerBound: true})
	return r
}

func TestWriteTableCluster(t *testing.T) {
	r := clusterReport()
	var b strings.Builder
	r.WriteTable(&b)
	out := b.String()
	for _, want := range []string{
		"cluster: each pair of servers on one redis-server 7.0.15, on the servers' CPU, REDIS_ADAPTER=pubsub",
		"cluster n=1000 r=30",
		"0.50x", // µs/msg and cpu% ratio
		"cluster n=1000 break",
		"Cluster, each server of a pair apart (A: the publisher's server; B: every message through Redis, pubsub):",
		"A p99",
		"     12.5", // node's local p99
		" 1.50\n",   // Redis's CPU closes the line
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// One split line per server for the step, none for the breaking point.
	split := out[strings.Index(out, "Cluster, each server"):]
	if n := strings.Count(split, "\n"); n != 4 {
		t.Errorf("split has %d lines, want 4 (title, head, node, actorio):\n%s", n, split)
	}
	if strings.Contains(split, "break") {
		t.Errorf("split lists a breaking point:\n%s", split)
	}
	if strings.Contains(out, "NOT MEASURED") {
		t.Errorf("table says NOT MEASURED with both pairs measured:\n%s", out)
	}
	d := xml.NewDecoder(strings.NewReader(r.Chart()))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("chart of a cluster report is not well-formed XML: %v", err)
		}
	}
}
