package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

// Config is one run of the comparison.
type Config struct {
	Plan Plan
	// Root is the repository root (bench/ lies under it).
	Root string
	// OutDir receives <stamp>-<plan>.json, .txt and .svg; empty writes none.
	OutDir string
	// Servers to measure, in order; nil means node, actorio and floor.
	Servers []string
	// ActorioBin is a prebuilt actorio-server; empty builds ./cmd/actorio-server.
	ActorioBin string
	// LobbyBin is a prebuilt Go lobby example, Actorio's side of the
	// lobbygame scenario; empty builds ./examples/lobby.
	LobbyBin string
	// Only restricts the scenarios (Scenarios); nil runs all.
	Only []string
	// RedisAdapter is the cluster scenario's REDIS_ADAPTER (RedisAdapters).
	// Empty means pubsub.
	RedisAdapter string
	// RedisServer is the redis-server the cluster scenario starts, a path
	// or a name looked up on PATH. Empty means redis-server.
	RedisServer string
	// ProfileDir, when set, receives pprof CPU and heap profiles of the
	// servers that can serve them (ServerDef.PprofEnv: Actorio) during
	// conns, lobby and echo: <server>-<scenario>-cpu.pb.gz and -heap.pb.gz.
	// Profiling costs the server CPU: profile in a run of its own, not in
	// the one whose figures are quoted.
	ProfileDir string
	// NoPin runs unpinned even when taskset exists.
	NoPin bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Scenarios are the names Config.Only takes, in the order they run.
var Scenarios = []string{"conns", "fanout", "lobby", "echo", "tick", "cluster", "lobbygame"}

// benchScenarios reports whether c runs a scenario on the bench servers of
// docs/bench-contract.md (lobbygame runs on servers of its own).
func (c *Config) benchScenarios() bool {
	return c.Only == nil || slices.ContainsFunc(c.Only, func(s string) bool { return s != "lobbygame" })
}

func (c *Config) redisAdapter() string {
	if c.RedisAdapter == "" {
		return RedisAdapters[0]
	}
	return c.RedisAdapter
}

func (c *Config) redisServer() string {
	if c.RedisServer == "" {
		return "redis-server"
	}
	return c.RedisServer
}

// Runner runs the scenarios against every server.
type Runner struct {
	cfg       Config
	plan      Plan
	rep       *Report
	defs      []ServerDef
	serverCPU int // -1: unpinned
	genCPUs   int
	started   time.Time
	redisBin  string // the cluster scenario's redis-server, once found
	redisErr  error  // why there is none
}

func (r *Runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}

func (r *Runner) overBudget() bool { return time.Since(r.started) > r.plan.Budget }

// Run measures every available server and returns the report; it writes
// the result files when OutDir is set. Servers that cannot be built or
// started are reported as not measured, not as an error.
func Run(cfg Config) (rep *Report, err error) {
	if cfg.Servers == nil {
		cfg.Servers = []string{baseName, candName, floorName}
	}
	for _, name := range cfg.Only {
		if !slices.Contains(Scenarios, name) {
			return nil, fmt.Errorf("unknown scenario %q (%s)", name, strings.Join(Scenarios, ", "))
		}
	}
	if err := CheckRedisAdapter(cfg.redisAdapter()); err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, plan: cfg.Plan, serverCPU: -1, started: time.Now()}
	r.rep = &Report{Plan: cfg.Plan.Name, Started: time.Now()}
	defer KillAll()

	nofile, err := raiseNoFile(uint64(r.plan.maxConns()) + 512)
	if err != nil {
		return nil, err
	}
	nodeDir := filepath.Join(cfg.Root, "bench", "node")
	for _, name := range cfg.Servers {
		st := r.rep.server(name)
		if !cfg.benchScenarios() {
			continue
		}
		def, err := r.prepare(name, nodeDir)
		st.Command = strings.Join(def.Argv, " ")
		if err == nil {
			err = r.probe(def)
		}
		if err != nil {
			st.Reason = err.Error()
			r.logf("%s: not measured: %v", name, err)
			continue
		}
		st.Available = true
		r.defs = append(r.defs, def)
	}
	if len(r.defs) == 0 && cfg.benchScenarios() {
		return r.rep, errors.New("no server could be started")
	}

	r.rep.Machine = readMachine(cfg.Root, nodeDir)
	r.rep.Machine.NoFile = nofile
	switch {
	case cfg.NoPin:
		r.rep.Machine.PinNote = "unpinned (asked)"
	case r.rep.Machine.NProc < 2:
		r.rep.Machine.PinNote = "unpinned: fewer than 2 CPUs"
	default:
		if _, err := exec.LookPath("taskset"); err != nil {
			r.rep.Machine.PinNote = "unpinned: taskset (util-linux) not found; server and generator share the cores"
			r.logf("WARNING: %s", r.rep.Machine.PinNote)
		} else if err := pinSelf(1); err != nil {
			r.rep.Machine.PinNote = "unpinned: " + err.Error()
			r.logf("WARNING: %s", r.rep.Machine.PinNote)
		} else {
			r.serverCPU = 0
			r.rep.Machine.Pinned = true
			r.rep.Machine.PinNote = "server on CPU 0, generator (and runner) on CPU 1, GOMAXPROCS=1"
		}
	}
	r.genCPUs = allowedCPUs()
	r.started = time.Now()
	r.logf("plan %s: %s", r.plan.Name, r.rep.Machine.PinNote)

	scenarios := []struct {
		name string
		run  func(ServerDef) error
	}{
		{"conns", r.runConns},
		{"fanout", nil},
		{"lobby", r.runLobby},
		{"echo", r.runEcho},
		{"tick", r.runTick},
		{"cluster", nil},
		{"lobbygame", nil},
	}
	var gameErr error // a lobbygame-only run that measured nothing
	for _, sc := range scenarios {
		if cfg.Only != nil && !slices.Contains(cfg.Only, sc.name) {
			continue
		}
		if sc.name == "fanout" {
			for _, fp := range r.plan.Fanout {
				for _, def := range r.defs {
					r.runCase(def, fmt.Sprintf("fanout n=%d", fp.Members), func(d ServerDef) error { return r.runFanout(d, fp) })
				}
			}
			continue
		}
		if sc.name == "cluster" {
			r.runClusters()
			continue
		}
		if sc.name == "lobbygame" {
			if !r.runLobbyGames(nodeDir) && !cfg.benchScenarios() {
				gameErr = errors.New("no lobby game server could be started")
			}
			continue
		}
		for _, def := range r.defs {
			if def.Name == floorName && !floorScenario(sc.name) {
				r.rep.Skipped = append(r.rep.Skipped, def.Name+" "+sc.name+" (not in issue 13's table)")
				continue
			}
			r.runCase(def, sc.name, sc.run)
		}
	}
	r.rep.Finished = time.Now()
	r.rep.WriteTable(io.Discard)
	if cfg.OutDir != "" {
		if err := r.rep.Save(cfg.OutDir); err != nil {
			return r.rep, err
		}
	}
	return r.rep, gameErr
}

// floorScenario reports whether the floor server runs a scenario: those of
// issue 13's table (conns, lobby, echo, and fanout at the plan's Also
// rates, not its ladders), which is what it is the lower bound for; the
// others would only lengthen make bench.
func floorScenario(name string) bool {
	return slices.Contains([]string{"conns", "fanout", "lobby", "echo"}, name)
}

// runClusters runs the cluster plan against a pair of each server; a pair
// that cannot be measured at all is reported once and skipped.
func (r *Runner) runClusters() {
	if len(r.plan.Cluster) == 0 {
		return
	}
	r.rep.RedisAdapter = r.cfg.redisAdapter()
	for _, cp := range r.plan.Cluster {
		for _, def := range r.defs {
			st := r.rep.server(def.Name)
			if def.Name == floorName {
				st.ClusterReason = "the floor server has no cluster mode (it is the single server's lower bound)"
			}
			if st.ClusterReason != "" {
				continue
			}
			r.runCase(def, fmt.Sprintf("cluster n=%d", cp.Members), func(d ServerDef) error {
				err := r.runCluster(d, cp)
				var nm notMeasured
				if errors.As(err, &nm) {
					st.ClusterReason = nm.Error()
					r.logf("  %s pair: not measured: %v", d.Name, nm)
					return nil
				}
				return err
			})
		}
	}
}

// runCase runs one scenario against one server; a failure becomes an error
// row, not the end of the run.
func (r *Runner) runCase(def ServerDef, name string, f func(ServerDef) error) {
	if r.overBudget() {
		r.rep.Skipped = append(r.rep.Skipped, def.Name+" "+name+" (time budget)")
		return
	}
	r.logf("%s: %s", def.Name, name)
	t0 := time.Now()
	if err := f(def); err != nil {
		r.logf("  %s %s: %v", def.Name, name, err)
		r.rep.add(name+" (failed)", name, "msg", false, def.Name, &Measure{Error: err.Error()})
	}
	r.logf("  (%s)", time.Since(t0).Round(100*time.Millisecond))
}

// prepare resolves the command of a server, building Actorio's.
func (r *Runner) prepare(name, nodeDir string) (ServerDef, error) {
	switch name {
	case baseName:
		def := ServerDef{Name: name, Argv: []string{"node", "server.js"}, Dir: nodeDir}
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "socket.io")); err != nil {
			return def, fmt.Errorf("socket.io is not installed in %s: run `npm ci` there (make bench does)", nodeDir)
		}
		if _, err := exec.LookPath("node"); err != nil {
			return def, errors.New("node is not on PATH")
		}
		return def, nil
	case candName:
		bin := r.cfg.ActorioBin
		if bin == "" {
			bin = filepath.Join(r.cfg.Root, "bench", ".bin", "actorio-server")
			r.logf("building %s", bin)
			cmd := exec.Command("go", "build", "-o", bin, "./cmd/actorio-server")
			cmd.Dir = r.cfg.Root
			if out, err := cmd.CombinedOutput(); err != nil {
				return ServerDef{Name: name, Argv: []string{bin, "-mode", "bench"}}, fmt.Errorf("go build ./cmd/actorio-server: %v: %s", err, lastLines(string(out), 5))
			}
		}
		return ServerDef{Name: name, Argv: []string{bin, "-mode", "bench"}, Dir: r.cfg.Root, PprofEnv: "ACTORIO_PPROF"}, nil
	case floorName:
		bin := filepath.Join(r.cfg.Root, "bench", ".bin", "floor-server")
		r.logf("building %s", bin)
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/floor-server")
		cmd.Dir = filepath.Join(r.cfg.Root, "bench")
		if out, err := cmd.CombinedOutput(); err != nil {
			return ServerDef{Name: name, Argv: []string{bin}}, fmt.Errorf("go build ./bench/cmd/floor-server: %v: %s", err, lastLines(string(out), 5))
		}
		return ServerDef{Name: name, Argv: []string{bin}, Dir: r.cfg.Root}, nil
	}
	return ServerDef{Name: name}, fmt.Errorf("unknown server %q (node, actorio, floor)", name)
}

// probe starts the server once and checks it does the basics of the
// contract: listen on $PORT, accept a direct WebSocket, answer stats.
func (r *Runner) probe(def ServerDef) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p, err := StartServer(def, port, nil, -1)
	if err != nil {
		return fmt.Errorf("does not start as the contract asks (PORT=%d %s): %s", port, strings.Join(def.Argv, " "), lastLines(err.Error(), 3))
	}
	defer p.Stop()
	g, err := loadgen.New(loadgen.Config{Addr: fmt.Sprintf("127.0.0.1:%d", port), Workers: 1})
	if err != nil {
		return err
	}
	defer g.Close()
	if d := g.Dial(1, 1, 10*time.Second); d.Connected != 1 {
		return fmt.Errorf("websocket + socket.io connect failed: %v", d.FirstErr)
	}
	if _, err := g.Stats(0, 5*time.Second); err != nil {
		return fmt.Errorf("stats: %v", err)
	}
	r.checkContract(def.Name, g)
	return nil
}

// checkContract probes what the load scenarios do not exercise, and notes
// every departure from docs/bench-contract.md §3 (the server is still measured).
func (r *Runner) checkContract(name string, g *loadgen.Gen) {
	const wait = 5 * time.Second
	note := func(format string, args ...any) { r.rep.note(name, format, args...) }
	const args = `"a",1,{"b":[2,null]},true`
	if got, err := g.Call(0, "echo", args, wait); err != nil {
		note("echo: %v", err)
	} else if string(got) != "["+args+"]" {
		note("echo %s acked %s, want the same arguments unchanged", args, got)
	}
	if d := g.Dial(1, 1, wait); d.Connected != 1 {
		note("second client: %v", d.FirstErr)
		return
	}
	if _, err := g.Join(0, 2, func(int) string { return "probe" }, wait); err != nil {
		note("join: %v", err)
		return
	}
	if got, err := g.Call(1, "join", `"probe"`, wait); err != nil || (string(got) != "[2]" && string(got) != "[true]") {
		note("join of a room's second member acked %s (err %v), want [2] (or [true])", got, err)
	}
	// One fanout from client 0: both members get it, the sender included.
	// One relay: only client 1 gets it.
	for _, tc := range []struct {
		event string
		want  uint64
	}{{"fanout", 2}, {"relay", 1}} {
		now := time.Now()
		g.SetWindow(now.Add(-time.Minute), now.Add(time.Minute))
		g.Pace(loadgen.PaceSpec{Event: tc.event, Senders: []int{0}, Rate: 1, Start: now, End: now.Add(time.Millisecond)})
		deadline := time.Now().Add(2 * time.Second)
		var t loadgen.Tally
		for time.Now().Before(deadline) {
			if t = g.Collect(); t.Delivered >= tc.want && time.Since(t.LastRecv) > 200*time.Millisecond {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if t.Delivered != tc.want {
			note("one %s to a room of 2 was delivered %d times, want %d (%s)", tc.event, t.Delivered, tc.want,
				map[string]string{"fanout": "every member, the sender included", "relay": "every member but the sender"}[tc.event])
		}
		if t.SelfRelay > 0 {
			note("relay was delivered back to its sender")
		}
	}
	if got, err := g.Call(1, "leave", `"probe"`, wait); err != nil || string(got) != "[true]" {
		note("leave acked %s (err %v), want [true]", got, err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Load reads a report saved by Save.
func Load(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, c := range r.Cases {
		c.order = i
	}
	return &r, nil
}

// Save writes <stamp>-<plan>.json, .txt (the table) and .svg (the chart).
func (r *Report) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, r.Started.UTC().Format("20060102-150405")+"-"+r.Plan)
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".txt", []byte(r.Table), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".svg", []byte(r.Chart()), 0o644)
}
