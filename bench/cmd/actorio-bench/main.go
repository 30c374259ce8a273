// Command actorio-bench runs the comparison benchmark: it starts the Node
// reference (bench/node), Actorio's bench mode and the floor server
// (bench/cmd/floor-server, the lower bound) in turn, each pinned to
// CPU 0 (in the cluster scenario, two of each and their redis-server), drives
// the same scenarios with the load generator on CPU 1, and
// prints one table (figures per server, ratios, server CPU per delivered
// message, generator saturation). With -out it also writes the results as
// JSON, the table as text and a chart as SVG.
//
//	actorio-bench -plan quick            # make bench: about 6 minutes
//	actorio-bench -plan full             # make bench-full: breaking points
//	actorio-bench -servers node -only fanout,echo
//	actorio-bench -only cluster -redis-adapter streams
//	actorio-bench -only lobbygame        # the lobby game: bench/node/lobby.js vs examples/lobby
//	actorio-bench -servers actorio -only conns,lobby,echo -profile bench/results/profiles-before -out -
//	actorio-bench -render bench/results/20260102-030405-quick.json
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/actorio/actorio/bench/runner"
)

func main() {
	plan := flag.String("plan", "quick", "quick, full or smoke")
	root := flag.String("root", "", "repository root (default: the git top level)")
	out := flag.String("out", "", "directory for the result files (default: <root>/bench/results; \"-\" writes none)")
	servers := flag.String("servers", "node,actorio,floor", "servers to measure, in order (floor: bench/cmd/floor-server, the lower bound)")
	only := flag.String("only", "", "scenarios to run ("+strings.Join(runner.Scenarios, ",")+"; default all)")
	redisAdapter := flag.String("redis-adapter", runner.RedisAdapters[0], "the cluster scenario's REDIS_ADAPTER: "+strings.Join(runner.RedisAdapters, ", "))
	actorioBin := flag.String("actorio-bin", "", "a prebuilt actorio-server (default: go build ./cmd/actorio-server)")
	lobbyBin := flag.String("lobby-bin", "", "a prebuilt Go lobby example, Actorio's side of lobbygame (default: go build ./examples/lobby)")
	profile := flag.String("profile", "", "directory for pprof CPU and heap profiles of actorio during conns, lobby and echo (profiling costs CPU: use a run of its own)")
	noPin := flag.Bool("no-pin", false, "do not pin the server and the generator to separate CPUs")
	timeout := flag.Duration("timeout", 0, "kill everything and fail after this long (default: twice the plan's budget)")
	render := flag.String("render", "", "redraw the table (.txt) and chart (.svg) of a results .json, run nothing")
	flag.Parse()

	if *render != "" {
		rep, err := runner.Load(*render)
		if err != nil {
			fail(err)
		}
		rep.WriteTable(os.Stdout)
		base := strings.TrimSuffix(*render, ".json")
		if err := os.WriteFile(base+".txt", []byte(rep.Table), 0o644); err != nil {
			fail(err)
		}
		if err := os.WriteFile(base+".svg", []byte(rep.Chart()), 0o644); err != nil {
			fail(err)
		}
		return
	}

	p, err := runner.PlanByName(*plan)
	if err != nil {
		fail(err)
	}
	if err := runner.CheckRedisAdapter(*redisAdapter); err != nil {
		fail(fmt.Errorf("-redis-adapter: %w", err))
	}
	if *root == "" {
		o, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			fail(fmt.Errorf("no -root and not in a git work tree: %v", err))
		}
		*root = strings.TrimSpace(string(o))
	}
	if *out == "" {
		*out = filepath.Join(*root, "bench", "results")
	} else if *out == "-" {
		*out = ""
	}
	cfg := runner.Config{Plan: p, Root: *root, OutDir: *out, Servers: strings.Split(*servers, ","), ActorioBin: *actorioBin, LobbyBin: *lobbyBin, NoPin: *noPin, ProfileDir: *profile, RedisAdapter: *redisAdapter, Log: os.Stderr}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}

	// Whatever happens, the servers die with the runner: on a signal, on the
	// watchdog, on a panic (and through Pdeathsig if the runner is killed).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		runner.KillAll()
		fmt.Fprintf(os.Stderr, "actorio-bench: %v: servers killed\n", s)
		os.Exit(130)
	}()
	limit := *timeout
	if limit == 0 {
		limit = 2*p.Budget + 5*time.Minute
	}
	watchdog := time.AfterFunc(limit, func() {
		runner.KillAll()
		fmt.Fprintf(os.Stderr, "actorio-bench: still running after %v: servers killed\n", limit)
		os.Exit(3)
	})
	defer watchdog.Stop()
	defer runner.KillAll()

	start := time.Now()
	rep, err := runner.Run(cfg)
	if rep != nil && rep.Table != "" {
		fmt.Print("\n" + rep.Table)
	}
	if err != nil {
		fail(err)
	}
	if *out != "" {
		fmt.Printf("\nresults: %s/%s-%s.{json,txt,svg}\n", *out, rep.Started.UTC().Format("20060102-150405"), rep.Plan)
	}
	fmt.Printf("took %s\n", time.Since(start).Round(time.Second))
}

func fail(err error) {
	runner.KillAll()
	fmt.Fprintln(os.Stderr, "actorio-bench:", err)
	os.Exit(1)
}
