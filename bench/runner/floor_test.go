package runner

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFloor: the floor server passes the checks Node and Actorio pass.
// The probe first (handshake, stats, echo with several arguments, join's
// count, fanout to the sender, relay not to it, leave); then, unless
// -short, the smoke plan's bench scenarios with the smoke test's checks
// (nothing lost, latencies and CPU measured, no contract note).
func TestFloor(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{cfg: Config{Root: root}, plan: SmokePlan(), rep: &Report{Plan: "smoke"}, started: time.Now(), serverCPU: -1, genCPUs: 1}
	def, err := r.prepare(floorName, "")
	if err != nil {
		t.Fatalf("prepare(%q) = %v", floorName, err)
	}
	if err := r.probe(def); err != nil {
		t.Fatalf("probe(%q) = %v, want nil", floorName, err)
	}
	if notes := r.rep.server(floorName).Contract; len(notes) > 0 {
		t.Fatalf("floor against the contract: %q, want no note", notes)
	}
	if testing.Short() {
		return
	}
	scenarios := []string{"conns", "fanout", "lobby", "echo"} // floorScenario's
	var log strings.Builder
	rep, err := Run(Config{Plan: SmokePlan(), Root: root, Servers: []string{floorName}, Only: scenarios, NoPin: true, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	seen := map[string]bool{}
	for _, c := range rep.Cases {
		m := c.Results[floorName]
		if c.Breaking || m == nil {
			continue
		}
		seen[c.Scenario] = true
		switch {
		case m.Error != "":
			t.Errorf("%s: %s", c.Key, m.Error)
		case m.Delivered == 0:
			t.Errorf("%s: nothing delivered", c.Key)
		case m.LossPct > 0.5 && m.OtherCPUPct < noisyPct:
			// A loss on an idle machine is the server's; on a busy one
			// a late tick timer may skip a tick, as the contract allows.
			t.Errorf("%s: loss %.2f%% at smoke load", c.Key, m.LossPct)
		case c.Scenario != "conns" && (m.P50MS <= 0 || m.P99MS < m.P50MS):
			t.Errorf("%s: p50 %.3f ms, p99 %.3f ms", c.Key, m.P50MS, m.P99MS)
		case m.CPUPerMsgUS <= 0:
			t.Errorf("%s: no server CPU measured", c.Key)
		}
	}
	for _, sc := range scenarios {
		if !seen[sc] {
			t.Errorf("scenario %s produced no measurement", sc)
		}
	}
	if notes := rep.server(floorName).Contract; len(notes) > 0 {
		t.Errorf("floor against the contract: %q, want no note", notes)
	}
	if t.Failed() {
		t.Logf("\n%s", rep.Table)
	}
}
