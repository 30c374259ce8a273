package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmoke runs the whole runner against the Node reference with the
// smoke plan (small N, short windows; about 15 s). It needs node and `npm
// ci` in bench/node, so it runs only with BENCH_SMOKE=1:
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
	}
	want := map[string]bool{"conns": false, "fanout": false, "lobby": false, "echo": false, "tick": false}
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
