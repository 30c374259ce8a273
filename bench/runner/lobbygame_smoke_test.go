package runner

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// smokeRoot skips the test unless BENCH_SMOKE is set, and returns the
// repository root.
func smokeRoot(t *testing.T) string {
	t.Helper()
	if os.Getenv("BENCH_SMOKE") == "" {
		t.Skip("set BENCH_SMOKE=1 to run the lobby game against the Node reference")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// checkNoneLive fails the test for every server still running.
func checkNoneLive(t *testing.T) {
	t.Helper()
	live.Lock()
	defer live.Unlock()
	for p := range live.procs {
		t.Errorf("%s (pid %d) is still running", p.Def.Name, p.Pid)
	}
}

// TestSmokeLobbyGame runs the lobbygame scenario with the smoke plan (5
// matches of 4 at 20 Hz, 1 s window) against bench/node/lobby.js, and
// against examples/lobby when the tree has it (else Actorio's side must
// say why it is not measured). About 10 s.
//
//	cd bench && BENCH_SMOKE=1 go test -run SmokeLobbyGame -v ./runner
func TestSmokeLobbyGame(t *testing.T) {
	root := smokeRoot(t)
	var log strings.Builder
	rep, err := Run(Config{Plan: SmokePlan(), Root: root, Servers: []string{baseName, candName}, Only: []string{"lobbygame"}, NoPin: true, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	t.Logf("\n%s", rep.Table)
	gp := SmokePlan().Game
	servers := []string{baseName}
	if gos, _ := filepath.Glob(filepath.Join(root, "examples", "lobby", "*.go")); len(gos) > 0 {
		servers = append(servers, candName)
	} else if got := rep.server(candName).LobbyReason; !strings.Contains(got, "not in this tree") {
		t.Errorf("actorio LobbyReason = %q, want it to say examples/lobby is not in this tree", got)
	}
	var c *Case
	for _, x := range rep.Cases {
		if x.Scenario == "lobbygame" {
			c = x
		}
	}
	if c == nil {
		t.Fatalf("no lobbygame case in the report\n%s", log.String())
	}
	for _, name := range servers {
		if st := rep.server(name); st.LobbyReason != "" {
			t.Errorf("%s lobbygame not measured: %s", name, st.LobbyReason)
			continue
		}
		m := c.Results[name]
		if m == nil || m.Error != "" || m.Game == nil {
			t.Errorf("%s: result %+v", name, m)
			continue
		}
		g := m.Game
		if g.Matches != gp.Matches {
			t.Errorf("%s: %d matches, want %d", name, g.Matches, gp.Matches)
		}
		// 20 players, 20 Hz, a 1 s window: about 400 states.
		if want := uint64(gp.Matches*gp.Size) * uint64(gp.TickHz) * 9 / 10; m.Delivered < want {
			t.Errorf("%s: %d states delivered in the window, want at least %d", name, m.Delivered, want)
		}
		if m.LossPct > 0.5 || g.MissingTicks > 0 || g.DupStates > 0 {
			t.Errorf("%s: loss %.2f%% (%d ticks missing, %d repeated) at smoke load", name, m.LossPct, g.MissingTicks, g.DupStates)
		}
		if m.P50MS <= 0 || m.P99MS < m.P50MS || m.Pass == nil || !*m.Pass {
			t.Errorf("%s: p50 %.3f ms, p99 %.3f ms, pass %q, want a p50 and a pass", name, m.P50MS, m.P99MS, passWord(m))
		}
		if g.InputsSent == 0 || g.InputsAcked != g.InputsSent || g.InputsBad+g.InputErrors > 0 || g.InputAckP50MS <= 0 {
			t.Errorf("%s: inputs %d sent, %d acked, %d bad, %d errors, ack p50 %.3f ms", name, g.InputsSent, g.InputsAcked, g.InputsBad, g.InputErrors, g.InputAckP50MS)
		}
		if g.Left > 0 || m.Disconnects > 0 {
			t.Errorf("%s: %d left events, %d disconnects with nobody leaving", name, g.Left, m.Disconnects)
		}
		if n := rep.server(name).Contract; len(n) > 0 {
			t.Errorf("%s breaks the protocol: %v", name, n)
		}
	}
	checkNoneLive(t)
}

// TestSmokeLobbyGameProbe: a server that does not play the game (the bench
// contract's server.js: it connects, but never acks `queue`) is not
// measured, with the reason.
func TestSmokeLobbyGameProbe(t *testing.T) {
	root := smokeRoot(t)
	nodeDir := filepath.Join(root, "bench", "node")
	tests := []struct {
		name string
		def  ServerDef
		want string
	}{
		{name: "does not start", def: ServerDef{Name: "broken", Argv: []string{"sh", "-c", "echo 'no game here' >&2; exit 1"}}, want: "does not start as the game asks"},
		{name: "no queue", def: ServerDef{Name: "bench", Argv: []string{"node", "server.js"}, Dir: nodeDir}, want: "queue acked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{plan: SmokePlan(), rep: &Report{Plan: "smoke"}, serverCPU: -1}
			if err := r.probeLobby(tt.def); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("probeLobby(%s) = %v, want an error with %q", tt.def.Name, err, tt.want)
			}
			checkNoneLive(t)
		})
	}
}

// botsReport is the part of bots.js's JSON line the test reads.
type botsReport struct {
	Bots, Connected, Matched, Matches int
	ReceivedTicks                     int     `json:"received_ticks"`
	MissingTicks                      int     `json:"missing_ticks"`
	SkippedTicks                      int     `json:"skipped_ticks"`
	LossPct                           float64 `json:"loss_pct"`
	Latency                           struct {
		N        int
		P50, P99 float64
	} `json:"latency_ms"`
	Inputs struct {
		Sent, Acked, Timeouts, Errors int
		BadAcks                       int `json:"bad_acks"`
		Checked                       int `json:"checked_states"`
		Mismatches                    int
	}
	Left int
	Drop struct {
		Bots []struct {
			Name             string
			Recovered        bool
			SameID           bool `json:"same_id"`
			Replayed         int
			MissingAfterDrop int `json:"missing_after_drop"`
		}
	}
	OK       bool
	Problems []string
}

// TestSmokeLobbyBots runs examples/lobby/bots.js (the official client)
// against bench/node/lobby.js, and against the Go example when the tree has
// it: 6 bots in 2 matches of 3 for 3 s, 2 of them cut their TCP connection
// and come back. With the grace period they are recovered with the ticks
// they missed; with none (lobby.js, GRACE_MS=0) they come back as new
// sockets, their players gone, and the bots say so. About 8 s.
//
//	cd bench && BENCH_SMOKE=1 go test -run SmokeLobbyBots -v ./runner
func TestSmokeLobbyBots(t *testing.T) {
	root := smokeRoot(t)
	t.Cleanup(func() { checkNoneLive(t) })
	node := ServerDef{Name: "lobby.js", Argv: []string{"node", "lobby.js"}, Dir: filepath.Join(root, "bench", "node")}
	tests := []struct {
		name          string
		def           ServerDef
		graceMS       int
		wantOK        bool
		wantRecovered bool
		wantLeft      bool
	}{
		{name: "recovered within the grace period", def: node, graceMS: 5000, wantOK: true, wantRecovered: true},
		{name: "no grace period", def: node, graceMS: 0, wantOK: false, wantRecovered: false, wantLeft: true},
	}
	if gos, _ := filepath.Glob(filepath.Join(root, "examples", "lobby", "*.go")); len(gos) > 0 {
		bin := filepath.Join(t.TempDir(), "lobby")
		build := exec.Command("go", "build", "-o", bin, "./examples/lobby")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./examples/lobby: %v\n%s", err, out)
		}
		tests = append(tests, struct {
			name          string
			def           ServerDef
			graceMS       int
			wantOK        bool
			wantRecovered bool
			wantLeft      bool
		}{name: "the Go example", def: ServerDef{Name: "examples/lobby", Argv: []string{bin}, Dir: root}, graceMS: 5000, wantOK: true, wantRecovered: true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			port, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			p, err := StartServer(tt.def, port, []string{"MATCH_SIZE=3", "TICK_HZ=20", "GRACE_MS=" + strconv.Itoa(tt.graceMS), "LOG_LEVEL=warn"}, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := p.Stop(); err != nil {
					t.Errorf("%s: %v", tt.def.Name, err)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "examples/lobby/bots.js", "--url", "http://127.0.0.1:"+strconv.Itoa(port),
				"--bots", "6", "--seconds", "3", "--drop", "2", "--inputs-hz", "5")
			cmd.Dir = root
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if code := cmd.ProcessState.ExitCode(); code != map[bool]int{true: 0, false: 1}[tt.wantOK] {
				t.Fatalf("bots.js exit status %d (%v), want ok=%v\n%s\n%s\nserver: %s", code, err, tt.wantOK, out, stderr.String(), p.Output())
			}
			var r botsReport
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("bots.js printed %q: %v", out, err)
			}
			if r.OK != tt.wantOK {
				t.Errorf("ok = %v, want %v (problems %q)", r.OK, tt.wantOK, r.Problems)
			}
			if r.Connected != 6 || r.Matched != 6 || r.Matches != 2 {
				t.Errorf("connected %d, matched %d, matches %d, want 6, 6, 2", r.Connected, r.Matched, r.Matches)
			}
			if r.ReceivedTicks < 6*40 || r.Latency.N == 0 || r.Latency.P50 <= 0 {
				t.Errorf("%d ticks received, latency %+v, want about 6 x 60 and a p50", r.ReceivedTicks, r.Latency)
			}
			if r.Inputs.Sent == 0 || r.Inputs.BadAcks > 0 || r.Inputs.Timeouts > 0 || r.Inputs.Checked == 0 || r.Inputs.Mismatches > 0 {
				t.Errorf("inputs %+v, want some sent and checked, none bad, timed out or mismatched", r.Inputs)
			}
			if len(r.Drop.Bots) != 2 {
				t.Fatalf("%d bots dropped, want 2", len(r.Drop.Bots))
			}
			for _, d := range r.Drop.Bots {
				if d.Recovered != tt.wantRecovered || d.SameID != tt.wantRecovered {
					t.Errorf("%s: recovered %v, same id %v, want %v", d.Name, d.Recovered, d.SameID, tt.wantRecovered)
				}
				if tt.wantRecovered && (d.Replayed == 0 || d.MissingAfterDrop > 0) {
					t.Errorf("%s: %d states replayed, %d ticks missing after the drop, want some and none", d.Name, d.Replayed, d.MissingAfterDrop)
				}
			}
			// Ticks the server skipped (a loop late on a busy machine) are
			// allowed; a tick others got and a bot did not is lost.
			if tt.wantRecovered && (r.MissingTicks > 0 || r.Left > 0) {
				t.Errorf("%d ticks lost (%d skipped by the server), %d left events, want none lost and no left", r.MissingTicks, r.SkippedTicks, r.Left)
			}
			if tt.wantLeft && r.Left == 0 {
				t.Errorf("no left event, want the dropped players' matches told")
			}
		})
	}
}
