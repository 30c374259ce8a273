package runner

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

// session is one server process with a generator connected to it.
type session struct {
	r        *Runner
	def      ServerDef
	p        *Proc
	g        *loadgen.Gen
	baseline Sample // before the first client
	pprof    string // host:port of the server's /debug/pprof/ when profiling (profile.go)
}

// withServer starts def (fresh process, fresh port), opens a generator on
// it, runs f, and always stops both. What the server got wrong on the way
// (slow shutdown, chatter) becomes a contract note.
func (r *Runner) withServer(def ServerDef, what string, env []string, f func(s *session) error) error {
	return r.withServerGen(def, what, env, loadgen.Config{}, f)
}

// withServerGen is withServer with a generator set up by gc (its address
// and payload size are the runner's).
func (r *Runner) withServerGen(def ServerDef, what string, env []string, gc loadgen.Config, f func(s *session) error) error {
	s, err := r.openGen(def, env, gc)
	if err != nil {
		return err
	}
	defer s.close(what)
	time.Sleep(200 * time.Millisecond) // let start-up work settle before the baseline
	if s.baseline, err = s.p.Sample(); err != nil {
		return err
	}
	err = f(s)
	if err == nil && s.p.Exited() {
		err = fmt.Errorf("server exited during the run: %s", s.p.Output())
	}
	return err
}

// open starts def on a fresh port with the extra environment env and
// connects a generator to it (no client yet).
func (r *Runner) open(def ServerDef, env []string) (*session, error) {
	return r.openGen(def, env, loadgen.Config{})
}

// openGen is open with a generator set up by gc.
func (r *Runner) openGen(def ServerDef, env []string, gc loadgen.Config) (*session, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	pprof, env, err := r.pprofEnv(def, env)
	if err != nil {
		return nil, err
	}
	p, err := StartServer(def, port, env, r.serverCPU)
	if err != nil {
		return nil, err
	}
	gc.Addr, gc.PayloadBytes = "127.0.0.1:"+strconv.Itoa(port), r.plan.PayloadBytes
	g, err := loadgen.New(gc)
	if err != nil {
		r.stop(def.Name, p, "start-up")
		return nil, err
	}
	return &session{r: r, def: def, p: p, g: g, pprof: pprof}, nil
}

// close stops the generator and the server.
func (s *session) close(what string) {
	s.g.Close()
	s.r.stop(s.def.Name, s.p, what)
}

// stop stops a server and notes what it got wrong: a slow shutdown, chatter.
func (r *Runner) stop(name string, p *Proc, what string) {
	if err := p.Stop(); err != nil {
		r.rep.note(name, "%s, after %s", err, what)
	}
	if n := p.out.Written(); n > 400 {
		r.rep.note(name, "printed %d bytes of output in one run (contract: quiet, one start-up line)", n)
	}
}

// dial opens n clients and fails unless all connected.
func (s *session) dial(n int) (loadgen.DialResult, error) {
	d := s.g.Dial(n, s.r.plan.DialConcurrency, 90*time.Second)
	if d.Connected < n {
		return d, fmt.Errorf("%d of %d clients connected (first error: %v)", d.Connected, n, d.FirstErr)
	}
	return d, nil
}

// join puts clients [from, to) into room(i) and checks the join acks.
func (s *session) join(from, to int, room func(int) string, members int) error {
	got, err := s.g.Join(from, to, room, 60*time.Second)
	if err != nil {
		return err
	}
	if got != 0 && got != members {
		s.r.rep.note(s.def.Name, "join acked a largest member count of %d, want %d", got, members)
	}
	return nil
}

// window holds the readings at both ends of a measured window: of every
// process measured (the server; a cluster's two servers and its Redis), of
// the generator and of the machine.
type window struct {
	start, end time.Time
	s0, s1     []Sample // one per process, in the order given to measureWindow
	g0, g1     time.Duration
	c0, c1     CPUTimes
}

// sec is the length of the window as the first process's samples saw it.
func (w window) sec() float64 { return w.s1[0].At.Sub(w.s0[0].At).Seconds() }

// cpu is the CPU time process i used in the window.
func (w window) cpu(i int) time.Duration { return w.s1[i].CPUSince(w.s0[i]) }

// measureWindow samples procs, the generator and the machine at start and
// at end, then waits the drain period.
func measureWindow(procs []*Proc, start, end time.Time, drain time.Duration) (window, error) {
	w := window{start: start, end: end}
	read := func() ([]Sample, time.Duration, CPUTimes, error) {
		var ss []Sample
		for _, p := range procs {
			s, err := p.Sample()
			if err != nil {
				return nil, 0, CPUTimes{}, fmt.Errorf("%s gone: %w", p.Def.Name, err)
			}
			ss = append(ss, s)
		}
		return ss, loadgen.SelfCPU(), ReadCPUTimes(), nil
	}
	time.Sleep(time.Until(start))
	var err error
	if w.s0, w.g0, w.c0, err = read(); err != nil {
		return w, err
	}
	time.Sleep(time.Until(end))
	if w.s1, w.g1, w.c1, err = read(); err != nil {
		return w, err
	}
	time.Sleep(drain)
	return w, nil
}

// measure samples the server and the generator at the window's ends, waits
// the drain period and collects the tallies.
func (s *session) measure(start, end time.Time, drain time.Duration) (loadgen.Tally, window, error) {
	w, err := measureWindow([]*Proc{s.p}, start, end, drain)
	if err != nil {
		return loadgen.Tally{}, w, err
	}
	return s.g.Collect(), w, nil
}

// fill derives a Measure from a tally, the window's readings and what a
// perfect server would deliver.
func (s *session) fill(t loadgen.Tally, w window, expected uint64) *Measure {
	return s.r.fill(s.def.Name, t, w, 1, s.baseline.RSS, expected)
}

// fill derives a Measure from a tally, the window's readings and what a
// perfect server would deliver. The first servers processes of w are the
// servers measured (their CPU and memory add up); the others are helpers
// they need (Redis), whose CPU is kept out of other%. baseRSS is the
// servers' RSS before the first client.
func (r *Runner) fill(name string, t loadgen.Tally, w window, servers int, baseRSS int64, expected uint64) *Measure {
	sec := w.sec()
	m := &Measure{
		Sent:         t.Sent,
		Expected:     expected,
		Delivered:    t.Delivered,
		Throughput:   float64(t.Delivered) / w.end.Sub(w.start).Seconds(),
		P50MS:        ms(t.Latency.Quantile(0.50)),
		P90MS:        ms(t.Latency.Quantile(0.90)),
		P99MS:        ms(t.Latency.Quantile(0.99)),
		P999MS:       ms(t.Latency.Quantile(0.999)),
		MaxMS:        ms(t.Latency.Max()),
		Conns:        t.Conns,
		SendLagP99MS: ms(t.SendLag.Quantile(0.99)),
		Disconnects:  t.Disconnects,
		Dropped:      t.Dropped,
	}
	var cpu, helpers time.Duration
	for i := range w.s1 {
		if i >= servers {
			helpers += w.cpu(i)
			continue
		}
		cpu += w.cpu(i)
		m.RSSBytes += w.s1[i].RSS
		m.PeakRSSBytes += w.s1[i].HWM
	}
	if expected > 0 {
		m.LossPct = 100 * (1 - float64(t.Delivered)/float64(expected))
	}
	if m.LossPct < 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d deliveries more than expected (duplicates?)", t.Delivered-expected))
	}
	m.ServerCPUSec = cpu.Seconds()
	if sec > 0 {
		m.ServerCPUPct = 100 * cpu.Seconds() / sec
		m.GenCPUPct = 100 * (w.g1 - w.g0).Seconds() / sec
	}
	if t.Delivered > 0 {
		m.CPUPerMsgUS = float64(cpu) / 1e3 / float64(t.Delivered)
	}
	if t.Conns > 0 {
		m.RSSPerConnKB = float64(m.RSSBytes-baseRSS) / float64(t.Conns) / 1024
	}
	r.machineLoad(m, w.c1.Sub(w.c0), cpu+helpers, w.g1-w.g0, sec)
	if m.SendLagP99MS >= max(5, m.P99MS/4) {
		// The generator wrote late: that delay is in the latencies.
		m.GenSaturated = true
		m.Notes = append(m.Notes, fmt.Sprintf("generator send lag p99 %.1f ms", m.SendLagP99MS))
	}
	if t.FirstErr != nil {
		m.Notes = append(m.Notes, "first disconnect: "+t.FirstErr.Error())
	}
	if t.Malformed > 0 {
		r.rep.note(name, "%d deliveries or acks the generator could not read (payload not forwarded unchanged?)", t.Malformed)
	}
	if t.SelfRelay > 0 {
		r.rep.note(name, "relay delivered %d messages back to their sender (the contract excludes the sender)", t.SelfRelay)
	}
	if t.Other > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d packets the generator does not count", t.Other))
	}
	return m
}

// machineLoad fills the figures that say whether a row can be trusted:
// softirq time (the loopback network path, charged to no process), CPU
// used by other processes on the machine, and generator saturation (its
// own CPU near a full core, or its core busy to the brim with whatever
// else ran there).
func (r *Runner) machineLoad(m *Measure, d CPUTimes, server, gen time.Duration, sec float64) {
	if sec <= 0 {
		return
	}
	pct := func(x time.Duration) float64 { return 100 * x.Seconds() / sec }
	m.SoftIRQPct = pct(d.SoftIRQ)
	m.OtherCPUPct = max(0, pct(d.Busy-d.SoftIRQ-server-gen))
	m.GenSaturated = m.GenCPUPct >= 90*float64(r.genCPUs)
	if r.serverCPU >= 0 && len(d.PerCPU) > 1 {
		m.ServerCorePct = pct(d.PerCPU[r.serverCPU])
		m.GenCorePct = pct(d.PerCPU[1-r.serverCPU])
		if m.GenCorePct >= 97 {
			m.GenSaturated = true
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// quiesce waits until nothing has arrived for 500 ms (at most limit), so
// the backlog of an overloaded step does not run into the next one.
func (s *session) quiesce(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		last := s.g.LastRecv()
		if time.Since(last) > 500*time.Millisecond {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// runConns: open Conns idle connections as fast as the server takes them;
// connect rate, set-up latency, server CPU per connection, RSS per
// connection after they settle, idle CPU.
func (r *Runner) runConns(def ServerDef) error {
	n := r.plan.Conns
	inFlight := r.plan.ConnsInFlight
	if inFlight == 0 {
		inFlight = r.plan.DialConcurrency
	}
	key := fmt.Sprintf("conns n=%d c=%d", n, inFlight)
	return r.withServer(def, key, nil, func(s *session) error {
		g0 := loadgen.SelfCPU()
		c0 := ReadCPUTimes()
		s0, _ := s.p.Sample()
		cpuProfile := s.profileCPU("conns", time.Now(), 3*time.Second)
		d := s.g.Dial(n, inFlight, 90*time.Second)
		s1, err := s.p.Sample()
		if err != nil {
			return fmt.Errorf("server gone after dialing: %w", err)
		}
		g1 := loadgen.SelfCPU()
		c1 := ReadCPUTimes()
		settle := 2 * time.Second
		if r.plan.Name == "smoke" {
			settle = 500 * time.Millisecond
		}
		time.Sleep(settle)
		s2, err := s.p.Sample()
		if err != nil {
			return fmt.Errorf("server gone while idle: %w", err)
		}
		cpuProfile()
		s.profileHeap("conns")
		sec := d.Elapsed.Seconds()
		m := &Measure{
			Rate:         float64(d.Attempted) / sec,
			Sent:         uint64(d.Attempted),
			Expected:     uint64(n),
			Delivered:    uint64(d.Connected),
			LossPct:      100 * (1 - float64(d.Connected)/float64(n)),
			Throughput:   d.Rate(),
			P50MS:        ms(d.Latency.Quantile(0.5)),
			P90MS:        ms(d.Latency.Quantile(0.9)),
			P99MS:        ms(d.Latency.Quantile(0.99)),
			P999MS:       ms(d.Latency.Quantile(0.999)),
			MaxMS:        ms(d.Latency.Max()),
			ServerCPUSec: s1.CPUSince(s0).Seconds(),
			ServerCPUPct: 100 * s1.CPUSince(s0).Seconds() / sec,
			IdleCPUPct:   100 * s2.CPUSince(s1).Seconds() / s2.At.Sub(s1.At).Seconds(),
			RSSBytes:     s2.RSS,
			PeakRSSBytes: s2.HWM,
			Conns:        d.Connected,
			GenCPUPct:    100 * (g1 - g0).Seconds() / sec,
		}
		r.machineLoad(m, c1.Sub(c0), s1.CPUSince(s0), g1-g0, sec)
		if d.Connected > 0 {
			m.CPUPerMsgUS = float64(s1.CPUSince(s0)) / 1e3 / float64(d.Connected)
			m.RSSPerConnKB = float64(s2.RSS-s.baseline.RSS) / float64(d.Connected) / 1024
			st, err := s.g.Stats(0, 10*time.Second)
			switch {
			case err != nil:
				r.rep.note(def.Name, "stats: %v", err)
			case st.Sockets != d.Connected:
				r.rep.note(def.Name, "stats reported %d sockets with %d clients connected", st.Sockets, d.Connected)
			case st.RSS <= 0:
				r.rep.note(def.Name, "stats reported rss %d", st.RSS)
			}
		}
		if d.FirstErr != nil {
			m.Notes = append(m.Notes, "first set-up error: "+d.FirstErr.Error())
		}
		m.Notes = append(m.Notes, fmt.Sprintf("idle CPU with %d connections: %.2f%% of a core", d.Connected, m.IdleCPUPct))
		r.rep.add(key, "conns", "conn", false, def.Name, m)
		r.logf("  %-8s %s: %s connects/s, p99 %.1f ms, %s KiB/conn, %s µs/conn", def.Name, key, num(m.Throughput), m.P99MS, num(m.RSSPerConnKB), num(m.CPUPerMsgUS))
		return nil
	})
}

// runFanout: one room of Members, client 0 sends `fanout` at each rate of
// the ladder until a rate fails; the breaking point is the highest rate
// that passed.
func (r *Runner) runFanout(def ServerDef, fp FanoutPlan) error {
	n := fp.Members
	return r.withServer(def, fmt.Sprintf("fanout n=%d", n), nil, func(s *session) error {
		if _, err := s.dial(n); err != nil {
			return err
		}
		if err := s.join(0, n, func(int) string { return "fanout" }, n); err != nil {
			return err
		}
		step := func(rate float64) *Measure { return s.fanoutStep(fp, rate) }
		if def.Name != floorName { // the floor: issue 13's rates only (floorScenario)
			r.ladder(def.Name, "fanout", fp, step, s.quiesce)
		}
		r.also(def.Name, "fanout", fp, step, s.quiesce)
		return nil
	})
}

// ladder runs step at each rate of fp in order until one fails, records
// every step as case "<scenario> n=<members> r=<rate>", and the breaking
// point (the highest rate that passed) as "<scenario> n=<members> break",
// unless the ladder is one step: that says pass or fail, not where.
// quiesce waits until the previous step's backlog has drained.
func (r *Runner) ladder(server, scenario string, fp FanoutPlan, step func(rate float64) *Measure, quiesce func(time.Duration) bool) {
	n := fp.Members
	var best *Measure
	lastPass, firstFail := 0.0, 0.0
	genLimited := false // the failing step saturated the generator
	once := func(rate float64) *Measure {
		m := step(rate)
		key := fmt.Sprintf("%s n=%d r=%s", scenario, n, strconv.FormatFloat(rate, 'g', -1, 64))
		r.rep.addCase(&Case{Key: key, Scenario: scenario, Unit: "msg", Members: n, Rate: rate}, server, m)
		r.logf("  %-8s %s: %s deliv/s, loss %.2f%%, p99 %.1f ms, %s µs/msg, gen %.0f%%, other %.0f%%, %s", server, key, num(m.Throughput), m.LossPct, m.P99MS, num(m.CPUPerMsgUS), m.GenCPUPct, m.OtherCPUPct, passWord(m))
		return m
	}
	// A failing step runs once more before it ends the ladder: on a shared
	// machine one stall of another process is enough to fail a step. The
	// retry's figures replace the first attempt's.
	retried := func(rate float64) *Measure {
		m := once(rate)
		if *m.Pass || r.overBudget() || !quiesce(15*time.Second) {
			return m
		}
		m2 := once(rate)
		m2.Notes = append(m2.Notes, fmt.Sprintf("second attempt; the first failed with p99 %.1f ms, loss %.2f%%, other CPU %.0f%%", m.P99MS, m.LossPct, m.OtherCPUPct))
		return m2
	}
	for _, rate := range fp.Rates {
		if r.overBudget() {
			r.rep.Skipped = append(r.rep.Skipped, fmt.Sprintf("%s %s n=%d from r=%g (time budget)", server, scenario, n, rate))
			break
		}
		m := retried(rate)
		if !*m.Pass {
			firstFail, genLimited = rate, m.GenSaturated
			break
		}
		lastPass, best = rate, m
	}
	if fp.Bisect && firstFail > 0 && lastPass > 0 && !r.overBudget() {
		if quiesce(15 * time.Second) {
			mid := roundRate(math.Sqrt(lastPass * firstFail))
			if mid > lastPass && mid < firstFail {
				if m := retried(mid); *m.Pass {
					best = m
				} else {
					firstFail, genLimited = mid, m.GenSaturated
				}
			}
		}
	}
	if len(fp.Rates) == 1 && !fp.Bisect {
		return
	}
	key := fmt.Sprintf("%s n=%d break", scenario, n)
	var bp *Measure
	switch {
	case best != nil:
		c := *best
		c.Notes = append([]string(nil), best.Notes...)
		switch {
		case firstFail > 0 && genLimited:
			c.Notes = append(c.Notes, fmt.Sprintf("first failing rate %g msg/s saturated the generator: a lower bound", firstFail))
			c.LowerBound = true
		case firstFail > 0:
			c.Notes = append(c.Notes, fmt.Sprintf("first failing rate %g msg/s", firstFail))
		default:
			c.Notes = append(c.Notes, "did not break: the highest rate tried passed (a lower bound)")
			c.LowerBound = true
		}
		bp = &c
	default:
		bp = &Measure{Error: fmt.Sprintf("fails at the lowest rate tried (%g msg/s)", fp.Rates[0])}
	}
	r.rep.addCase(&Case{Key: key, Scenario: scenario, Unit: "msg", Breaking: true, Members: n}, server, bp)
}

// also runs the rates of fp.Also the ladder did not run (it stopped
// before them, or they are not on it), each recorded as a step of its own.
func (r *Runner) also(server, scenario string, fp FanoutPlan, step func(rate float64) *Measure, quiesce func(time.Duration) bool) {
	for _, rate := range fp.Also {
		key := fmt.Sprintf("%s n=%d r=%s", scenario, fp.Members, strconv.FormatFloat(rate, 'g', -1, 64))
		if r.rep.has(key, server) {
			continue
		}
		if r.overBudget() {
			r.rep.Skipped = append(r.rep.Skipped, fmt.Sprintf("%s %s (time budget)", server, key))
			continue
		}
		if !quiesce(15 * time.Second) {
			r.rep.addCase(&Case{Key: key, Scenario: scenario, Unit: "msg", Members: fp.Members, Rate: rate}, server,
				&Measure{Rate: rate, Error: "the ladder's last step still delivering after 15 s"})
			continue
		}
		m := step(rate)
		r.rep.addCase(&Case{Key: key, Scenario: scenario, Unit: "msg", Members: fp.Members, Rate: rate}, server, m)
		r.logf("  %-8s %s: %s deliv/s, loss %.2f%%, p99 %.1f ms, %s µs/msg, gen %.0f%%, other %.0f%%, %s", server, key, num(m.Throughput), m.LossPct, m.P99MS, num(m.CPUPerMsgUS), m.GenCPUPct, m.OtherCPUPct, passWord(m))
	}
}

func passWord(m *Measure) string {
	if m.Pass == nil {
		return ""
	}
	if *m.Pass {
		return "ok"
	}
	return "FAIL"
}

func (s *session) fanoutStep(fp FanoutPlan, rate float64) *Measure {
	p := s.r.plan
	start := time.Now().Add(100 * time.Millisecond)
	wStart := start.Add(p.Warm)
	wEnd := wStart.Add(p.Window)
	s.g.SetWindow(wStart, wEnd)
	s.g.Pace(loadgen.PaceSpec{Event: "fanout", Senders: []int{0}, Rate: rate, Start: start, End: wEnd})
	drain := p.Drain
	if fp.MaxP99 > drain/2 {
		drain = max(drain, 2*fp.MaxP99)
	}
	t, w, err := s.measure(wStart, wEnd, drain)
	if err != nil {
		f := false
		return &Measure{Rate: rate, Error: err.Error(), Pass: &f}
	}
	m := s.fill(t, w, uint64(fp.Members)*t.Sent)
	m.Rate = rate
	pass := t.Delivered > 0 && m.LossPct < 1 && m.P99MS < ms(fp.MaxP99)
	m.Pass = &pass
	return m
}

// runLobby: Rooms rooms of Size players, every player sends `relay` to its
// room at each rate in Hz; the other Size−1 members receive it.
func (r *Runner) runLobby(def ServerDef) error {
	rooms, size := r.plan.LobbyRooms, r.plan.LobbySize
	n := rooms * size
	return r.withServer(def, fmt.Sprintf("lobby %dx%d", rooms, size), nil, func(s *session) error {
		if _, err := s.dial(n); err != nil {
			return err
		}
		if err := s.join(0, n, func(i int) string { return "lobby-" + strconv.Itoa(i/size) }, size); err != nil {
			return err
		}
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		for _, hz := range r.plan.LobbyHz {
			key := fmt.Sprintf("lobby %dx%d %gHz", rooms, size, hz)
			if r.overBudget() {
				r.rep.Skipped = append(r.rep.Skipped, def.Name+" "+key+" (time budget)")
				continue
			}
			if !s.quiesce(10 * time.Second) {
				r.rep.add(key, "lobby", "msg", false, def.Name, &Measure{Error: "previous step still delivering after 10 s"})
				continue
			}
			p := r.plan
			start := time.Now().Add(100 * time.Millisecond)
			wStart := start.Add(p.Warm)
			wEnd := wStart.Add(p.Window)
			s.g.SetWindow(wStart, wEnd)
			s.g.Pace(loadgen.PaceSpec{Event: "relay", Senders: all, Rate: float64(n) * hz, Start: start, End: wEnd})
			cpuProfile := s.profileCPU(fmt.Sprintf("lobby-%gHz", hz), wStart, p.Window)
			t, w, err := s.measure(wStart, wEnd, p.Drain)
			cpuProfile()
			if err != nil {
				return err
			}
			s.profileHeap(fmt.Sprintf("lobby-%gHz", hz))
			m := s.fill(t, w, t.Sent*uint64(size-1))
			m.Rate = float64(n) * hz
			r.rep.add(key, "lobby", "msg", false, def.Name, m)
			r.logf("  %-8s %s: %s deliv/s, loss %.2f%%, p99 %.1f ms, %s µs/msg, gen %.0f%%", def.Name, key, num(m.Throughput), m.LossPct, m.P99MS, num(m.CPUPerMsgUS), m.GenCPUPct)
		}
		return nil
	})
}

// runEcho: EchoClients clients each doing sequential acked echoes (closed
// loop): round trips per second and round-trip latency.
func (r *Runner) runEcho(def ServerDef) error {
	n := r.plan.EchoClients
	key := fmt.Sprintf("echo c=%d", n)
	return r.withServer(def, key, nil, func(s *session) error {
		if _, err := s.dial(n); err != nil {
			return err
		}
		p := r.plan
		wStart := time.Now().Add(p.Warm)
		wEnd := wStart.Add(p.Window)
		s.g.SetWindow(wStart, wEnd)
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		s.g.Echo(all, wEnd)
		cpuProfile := s.profileCPU("echo", wStart, p.Window)
		t, w, err := s.measure(wStart, wEnd, p.Drain)
		cpuProfile()
		if err != nil {
			return err
		}
		s.profileHeap("echo")
		m := s.fill(t, w, t.Sent)
		m.Rate = float64(t.Sent) / p.Window.Seconds()
		r.rep.add(key, "echo", "echo", false, def.Name, m)
		r.logf("  %-8s %s: %s echoes/s, p50 %.2f ms, p99 %.2f ms, %s µs/echo, gen %.0f%%", def.Name, key, num(m.Throughput), m.P50MS, m.P99MS, num(m.CPUPerMsgUS), m.GenCPUPct)
		return nil
	})
}

// runTick: the server's own loop emits `tick` to TickRooms rooms of
// TickSize at TickHz; latency from the server's stamp, loss from the
// expected count (seq gaps included).
func (r *Runner) runTick(def ServerDef) error {
	p := r.plan
	rooms, size := p.TickRooms, p.TickSize
	n := rooms * size
	key := fmt.Sprintf("tick %dx%d %gHz", rooms, size, p.TickHz)
	env := []string{"TICK_HZ=" + strconv.FormatFloat(p.TickHz, 'g', -1, 64), "TICK_BYTES=" + strconv.Itoa(p.TickBytes)}
	return r.withServer(def, key, env, func(s *session) error {
		if _, err := s.dial(n); err != nil {
			return err
		}
		if err := s.join(0, n, func(i int) string { return "tick-" + strconv.Itoa(i/size) }, size); err != nil {
			return err
		}
		wStart := time.Now().Add(p.Warm)
		wEnd := wStart.Add(p.Window)
		s.g.SetWindow(wStart, wEnd)
		t, w, err := s.measure(wStart, wEnd, p.Drain)
		if err != nil {
			return err
		}
		ticks := uint64(math.Floor(p.TickHz * p.Window.Seconds()))
		if t.TickSeen {
			ticks = max(ticks, t.TickSeqMax-t.TickSeqMin+1)
		}
		m := s.fill(t, w, uint64(n)*ticks)
		m.Sent = ticks * uint64(rooms)
		m.Rate = float64(rooms) * p.TickHz
		if !t.TickSeen {
			m.Notes = append(m.Notes, "no tick arrived in the window")
			r.rep.note(def.Name, "TICK_HZ=%g: no tick arrived", p.TickHz)
		}
		r.rep.add(key, "tick", "msg", false, def.Name, m)
		r.logf("  %-8s %s: %s deliv/s, loss %.2f%%, p99 %.1f ms, %s µs/msg, gen %.0f%%", def.Name, key, num(m.Throughput), m.LossPct, m.P99MS, num(m.CPUPerMsgUS), m.GenCPUPct)
		return nil
	})
}
