package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole runner against the Node reference with the
// smoke plan (small N, short windows; about 20 s), the cluster scenario on
// a pair of them included. It needs node, `npm ci` in bench/node and
// redis-server, so it runs only with BENCH_SMOKE=1:
//
//	cd bench && BENCH_SMOKE=1 go test -run Smoke -v ./runner
//
// BENCH_SMOKE_SERVERS=node,actorio adds Actorio (built from the work tree).
func TestSmoke(t *testing.T) {
	if os.Getenv("BENCH_SMOKE") == "" {
		t.Skip("set BENCH_SMOKE=1 to run the runner against the Node reference")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	servers := []string{baseName}
	if s := os.Getenv("BENCH_SMOKE_SERVERS"); s != "" {
		servers = strings.Split(s, ",")
	}
	out := t.TempDir()
	var log strings.Builder
	rep, err := Run(Config{Plan: SmokePlan(), Root: root, OutDir: out, Servers: servers, NoPin: true, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	t.Logf("\n%s", rep.Table)
	for _, name := range servers {
		if st := rep.server(name); !st.Available {
			t.Fatalf("%s not measured: %s", name, st.Reason)
		}
		if st := rep.server(name); st.ClusterReason != "" {
			t.Errorf("%s pair not measured: %s", name, st.ClusterReason)
		}
	}
	want := map[string]bool{}
	for _, sc := range Scenarios {
		want[sc] = false
	}
	for _, c := range rep.Cases {
		for name, m := range c.Results {
			if m.Error != "" && !c.Breaking {
				t.Errorf("%s %s: %s", name, c.Key, m.Error)
				continue
			}
			if c.Breaking {
				continue
			}
			want[c.Scenario] = true
			if m.Delivered == 0 {
				t.Errorf("%s %s: nothing delivered", name, c.Key)
			}
			// Small loads on an idle server: a loss means the generator
			// or the server miscounts.
			if m.LossPct > 0.5 {
				t.Errorf("%s %s: loss %.2f%% at smoke load", name, c.Key, m.LossPct)
			}
			if c.Scenario != "conns" && (m.P50MS <= 0 || m.P99MS < m.P50MS) {
				t.Errorf("%s %s: p50 %.3f ms, p99 %.3f ms", name, c.Key, m.P50MS, m.P99MS)
			}
			if m.CPUPerMsgUS <= 0 {
				t.Errorf("%s %s: no server CPU measured", name, c.Key)
			}
			if c.Scenario == "cluster" {
				checkSplit(t, name+" "+c.Key, m)
			}
		}
	}
	for sc, seen := range want {
		if !seen {
			t.Errorf("scenario %s produced no measurement", sc)
		}
	}
	if n := len(rep.server(baseName).Contract); n > 0 {
		t.Errorf("the Node reference breaks the contract: %v", rep.server(baseName).Contract)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 3 {
		t.Errorf("result files %v, want .json, .txt, .svg", files)
	}
	// No server may outlive the run.
	live.Lock()
	for p := range live.procs {
		t.Errorf("%s (pid %d) is still running", p.Def.Name, p.Pid)
	}
	live.Unlock()
}

// checkSplit: both halves of a cluster case got everything, each server
// used CPU, and the halves add up to the whole.
func checkSplit(t *testing.T, what string, m *Measure) {
	t.Helper()
	cs := m.Cluster
	if cs == nil {
		t.Errorf("%s: no split by server", what)
		return
	}
	for _, p := range []struct {
		side string
		p    Part
	}{{"A (local)", cs.Local}, {"B (through Redis)", cs.Remote}} {
		if p.p.Delivered == 0 || p.p.LossPct > 0.5 || p.p.CPUPct <= 0 || p.p.P50MS <= 0 {
			t.Errorf("%s: server %s: %+v", what, p.side, p.p)
		}
	}
	if got := cs.Local.Delivered + cs.Remote.Delivered; got != m.Delivered {
		t.Errorf("%s: A and B delivered %d together, the whole %d", what, got, m.Delivered)
	}
	if cs.RedisCPUPct <= 0 {
		t.Errorf("%s: redis-server used no CPU", what)
	}
}

// TestSmokeClusterNotMeasured: a pair whose servers do not start in
// cluster mode, or run alone instead of joining, is reported NOT MEASURED
// with the reason, not measured as if it were a cluster.
//
//	cd bench && BENCH_SMOKE=1 go test -run SmokeClusterNotMeasured -v ./runner
func TestSmokeClusterNotMeasured(t *testing.T) {
	if os.Getenv("BENCH_SMOKE") == "" {
		t.Skip("set BENCH_SMOKE=1 to run the cluster scenario against servers that do not join")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	nodeDir := filepath.Join(root, "bench", "node")
	tests := []struct {
		name string
		def  ServerDef
		want string
	}{
		{
			name: "refuses cluster mode",
			def:  ServerDef{Name: "refuses", Argv: []string{"sh", "-c", "echo 'no cluster here' >&2; exit 1"}},
			want: "does not start in cluster mode",
		},
		{
			// The Node reference with REDIS_URL taken away: it runs alone.
			name: "runs alone",
			def:  ServerDef{Name: "alone", Argv: []string{"env", "-u", "REDIS_URL", "-u", "REDIS_ADAPTER", "node", "server.js"}, Dir: nodeDir},
			want: "the two servers did not join one cluster",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{cfg: Config{}, plan: SmokePlan(), rep: &Report{Plan: "smoke"}, started: time.Now(), serverCPU: -1, genCPUs: 1, defs: []ServerDef{tt.def}}
			r.rep.server(tt.def.Name).Available = true
			r.runClusters()
			if got := r.rep.server(tt.def.Name).ClusterReason; !strings.Contains(got, tt.want) {
				t.Errorf("ClusterReason = %q, want %q in it", got, tt.want)
			}
			for _, c := range r.rep.Cases {
				t.Errorf("case %s recorded for a pair that is not a cluster", c.Key)
			}
			live.Lock()
			for p := range live.procs {
				t.Errorf("%s (pid %d) is still running", p.Def.Name, p.Pid)
			}
			live.Unlock()
		})
	}
}
