package runner

// The cluster scenario: fan-out to the members of one room spread over two
// servers of one kind that share one redis-server, as a Socket.IO deployment
// scales out (docs/bench-contract.md section 6). Server A has the publisher
// and half the members; server B the other half, who get every message
// through Redis.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

// RedisAdapters are the values of REDIS_ADAPTER a pair can be asked for;
// the first is the default. Every server must have pubsub and streams;
// sharded is optional in the contract (the Node reference has it).
var RedisAdapters = []string{"pubsub", "streams", "sharded"}

// CheckRedisAdapter returns an error unless name is one of RedisAdapters.
func CheckRedisAdapter(name string) error {
	if !slices.Contains(RedisAdapters, name) {
		return fmt.Errorf("redis adapter %q: want %s", name, strings.Join(RedisAdapters, ", "))
	}
	return nil
}

// redisMissing is the reason given when redis-server is not on PATH.
const redisMissing = "redis-server not found on PATH (Debian package redis-server; scripts/prereqs.sh installs it)"

// notMeasured says a pair cannot be measured at all (no redis-server, a
// server that does not start in cluster mode or does not join the other):
// its remaining cluster cases are skipped and the table says why.
type notMeasured struct{ error }

// pair is two servers of one kind on one redis-server, a generator
// connected to each. a has the publisher.
type pair struct {
	r     *Runner
	def   ServerDef
	redis *Proc
	a, b  *session
}

// redisVersion shortens `redis-server --version` ("Redis server v=7.0.15
// sha=... malloc=...") to "redis-server 7.0.15"; other text is kept whole.
func redisVersion(out string) string {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return "redis-server " + v
		}
	}
	return strings.TrimSpace(out)
}

// redisDef is the command of a redis-server on port: loopback only, no
// persistence, warnings only, in the foreground.
func redisDef(bin string, port int) ServerDef {
	dir := os.TempDir()
	return ServerDef{Name: "redis-server", Dir: dir, Argv: []string{bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--daemonize", "no", "--logfile", "", "--loglevel", "warning",
	}}
}

// findRedis resolves redis-server once per run and records its version.
func (r *Runner) findRedis() (string, error) {
	if r.redisBin == "" && r.redisErr == nil {
		bin, err := exec.LookPath(r.cfg.redisServer())
		if err != nil {
			r.redisErr = errors.New(redisMissing)
		} else {
			r.redisBin = bin
			if out, err := exec.Command(bin, "--version").Output(); err == nil {
				r.rep.Machine.Redis = redisVersion(string(out))
			}
		}
	}
	return r.redisBin, r.redisErr
}

// withPair starts a redis-server and two servers of def joined through it
// (fresh processes, fresh ports; all on the server CPU), a generator on each
// server, runs f and always stops everything, Redis last (a server would
// log its loss).
func (r *Runner) withPair(def ServerDef, what string, f func(p *pair) error) error {
	bin, err := r.findRedis()
	if err != nil {
		return notMeasured{err}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	redis, err := StartServer(redisDef(bin, port), port, nil, r.serverCPU)
	if err != nil {
		return notMeasured{fmt.Errorf("redis-server does not start: %s", lastLines(err.Error(), 3))}
	}
	defer func() {
		if err := redis.Stop(); err != nil {
			r.logf("  redis-server %s", err)
		}
	}()
	env := []string{"REDIS_URL=redis://127.0.0.1:" + strconv.Itoa(port), "REDIS_ADAPTER=" + r.cfg.redisAdapter()}
	p := &pair{r: r, def: def, redis: redis}
	for _, s := range []**session{&p.a, &p.b} {
		if *s, err = r.open(def, env); err != nil {
			return notMeasured{fmt.Errorf("does not start in cluster mode (%s %s): %s", strings.Join(env, " "), strings.Join(def.Argv, " "), lastLines(err.Error(), 3))}
		}
		defer (*s).close(what)
	}
	time.Sleep(200 * time.Millisecond) // let start-up work settle before the baseline
	for _, s := range []*session{p.a, p.b} {
		if s.baseline, err = s.p.Sample(); err != nil {
			return err
		}
	}
	if err = f(p); err != nil {
		return err
	}
	for _, pr := range []*Proc{p.a.p, p.b.p, redis} {
		if pr.Exited() {
			return fmt.Errorf("%s exited during the run: %s", pr.Def.Name, pr.Output())
		}
	}
	return nil
}

// halves splits n members: server A gets the first half (the publisher
// among them), B the rest.
func halves(n int) (a, b int) { return (n + 1) / 2, n / 2 }

// runCluster: one room of Members, half on each server of a pair; client 0
// (on server A) sends `fanout` at each rate of the ladder until a rate
// fails, as runFanout does.
func (r *Runner) runCluster(def ServerDef, cp FanoutPlan) error {
	n := cp.Members
	return r.withPair(def, fmt.Sprintf("cluster n=%d", n), func(p *pair) error {
		na, nb := halves(n)
		room := func(int) string { return "fanout" }
		for _, h := range []struct {
			s *session
			n int
		}{{p.a, na}, {p.b, nb}} {
			if _, err := h.s.dial(h.n); err != nil {
				return err
			}
			// join acks the room's size on the server asked (section 6).
			if err := h.s.join(0, h.n, room, h.n); err != nil {
				return err
			}
		}
		if err := p.check(na, nb); err != nil {
			return err
		}
		r.ladder(def.Name, "cluster", cp, func(rate float64) *Measure { return p.step(cp, rate) }, p.quiesce)
		return nil
	})
}

// check makes sure the two servers form one cluster before anything is
// measured: one fanout from A reaches B's members, and `count` from either
// side counts both servers' members. A fanout that reaches none of B's
// means the servers did not join: the pair is not measured.
func (p *pair) check(na, nb int) error {
	now := time.Now()
	for _, s := range []*session{p.a, p.b} {
		s.g.SetWindow(now.Add(-time.Minute), now.Add(time.Minute))
	}
	p.a.g.Pace(loadgen.PaceSpec{Event: "fanout", Senders: []int{0}, Rate: 1, Start: now, End: now.Add(time.Millisecond)})
	var ta, tb loadgen.Tally
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ta, tb = p.a.g.Collect(), p.b.g.Collect()
		aDone := ta.Delivered >= uint64(na) && time.Since(ta.LastRecv) > 200*time.Millisecond
		if aDone && tb.Delivered >= uint64(nb) && time.Since(tb.LastRecv) > 200*time.Millisecond {
			break
		}
		// Through Redis B's members get it within milliseconds of A's;
		// two seconds of nothing means nothing is coming.
		if aDone && tb.Delivered == 0 && time.Since(ta.LastRecv) > 2*time.Second {
			break
		}
	}
	if tb.Delivered == 0 {
		return notMeasured{fmt.Errorf("a fanout sent to server A reached none of server B's %d members (A's: %d of %d): the two servers did not join one cluster", nb, ta.Delivered, na)}
	}
	if ta.Delivered != uint64(na) || tb.Delivered != uint64(nb) {
		p.r.rep.note(p.def.Name, "cluster: one fanout reached %d of server A's %d members and %d of server B's %d, want each once", ta.Delivered, na, tb.Delivered, nb)
	}
	// Both sides at once (one generator each): a server without count
	// costs one timeout, not two.
	want := "[" + strconv.Itoa(na+nb) + "]"
	notes := make(chan string, 2)
	for _, side := range []struct {
		name string
		s    *session
	}{{"A", p.a}, {"B", p.b}} {
		go func() {
			got, err := side.s.g.Call(0, "count", `"fanout"`, 6*time.Second)
			switch {
			case err != nil:
				notes <- fmt.Sprintf("cluster: count from server %s: %v, want %s (both servers' members)", side.name, err, want)
			case string(got) != want:
				notes <- fmt.Sprintf("cluster: count from server %s acked %s, want %s (both servers' members)", side.name, got, want)
			default:
				notes <- ""
			}
		}()
	}
	for range 2 {
		if n := <-notes; n != "" {
			p.r.rep.note(p.def.Name, "%s", n)
		}
	}
	return nil
}

// quiesce waits until nothing has arrived at either server's members for
// 500 ms (at most limit).
func (p *pair) quiesce(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		last := p.a.g.LastRecv()
		if b := p.b.g.LastRecv(); b.After(last) {
			last = b
		}
		if time.Since(last) > 500*time.Millisecond {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// step is one rate of the ladder: the publisher on A sends for the warm-up
// and the window; deliveries are counted at both servers' members, CPU in
// both servers (and, apart, in Redis).
func (p *pair) step(cp FanoutPlan, rate float64) *Measure {
	pl := p.r.plan
	start := time.Now().Add(100 * time.Millisecond)
	wStart := start.Add(pl.Warm)
	wEnd := wStart.Add(pl.Window)
	p.a.g.SetWindow(wStart, wEnd)
	p.b.g.SetWindow(wStart, wEnd)
	p.a.g.Pace(loadgen.PaceSpec{Event: "fanout", Senders: []int{0}, Rate: rate, Start: start, End: wEnd})
	drain := pl.Drain
	if cp.MaxP99 > drain/2 {
		drain = max(drain, 2*cp.MaxP99)
	}
	w, err := measureWindow([]*Proc{p.a.p, p.b.p, p.redis}, wStart, wEnd, drain)
	if err != nil {
		f := false
		return &Measure{Rate: rate, Error: err.Error(), Pass: &f}
	}
	ta, tb := p.a.g.Collect(), p.b.g.Collect()
	t := ta
	t.Merge(&tb)
	m := p.r.fill(p.def.Name, t, w, 2, p.a.baseline.RSS+p.b.baseline.RSS, uint64(cp.Members)*ta.Sent)
	m.Rate = rate
	na, nb := halves(cp.Members)
	sec := w.sec()
	m.Cluster = &ClusterSplit{
		Adapter: p.r.cfg.redisAdapter(),
		Local:   splitPart(ta, na, ta.Sent, w.cpu(0), sec, w.s1[0].RSS),
		Remote:  splitPart(tb, nb, ta.Sent, w.cpu(1), sec, w.s1[1].RSS),
	}
	if sec > 0 {
		m.Cluster.RedisCPUPct = 100 * w.cpu(2).Seconds() / sec
	}
	pass := t.Delivered > 0 && m.LossPct < 1 && m.P99MS < ms(cp.MaxP99)
	m.Pass = &pass
	p.r.logf("  %-8s   A (local): loss %.2f%%, p99 %.1f ms, cpu %.0f%%; B (through Redis): loss %.2f%%, p99 %.1f ms, cpu %.0f%%; redis cpu %.0f%%",
		p.def.Name, m.Cluster.Local.LossPct, m.Cluster.Local.P99MS, m.Cluster.Local.CPUPct, m.Cluster.Remote.LossPct, m.Cluster.Remote.P99MS, m.Cluster.Remote.CPUPct, m.Cluster.RedisCPUPct)
	return m
}

// splitPart is what one server's members got: t counted at its members,
// sent messages each due to every one of them; cpu is that server's CPU
// time over sec seconds, rss its memory at the end.
func splitPart(t loadgen.Tally, members int, sent uint64, cpu time.Duration, sec float64, rss int64) Part {
	pt := Part{
		Members:   members,
		Expected:  uint64(members) * sent,
		Delivered: t.Delivered,
		P50MS:     ms(t.Latency.Quantile(0.50)),
		P99MS:     ms(t.Latency.Quantile(0.99)),
		RSSBytes:  rss,
	}
	if pt.Expected > 0 {
		pt.LossPct = 100 * (1 - float64(pt.Delivered)/float64(pt.Expected))
	}
	if sec > 0 {
		pt.CPUPct = 100 * cpu.Seconds() / sec
	}
	return pt
}
