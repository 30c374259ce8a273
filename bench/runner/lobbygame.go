package runner

// The lobbygame scenario: the game of bench/README.md ("The lobby game")
// played by the generator against a server of its own for each side, the
// Node reference bench/node/lobby.js and Actorio's Go example
// examples/lobby: Matches x Size players queue, get matched, receive a
// `state` every tick of their match and send inputs. The figures are the
// tick deliveries: loss (tick gaps, and ticks that never came) and latency
// from the server's stamp t, against the target of a loss under 1 %
// and a p99 under 50 ms.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

// GameFigures is what a lobbygame case measured besides the tick
// deliveries.
type GameFigures struct {
	Matches       int     `json:"matches"`
	Size          int     `json:"match_size"`
	TickHz        float64 `json:"tick_hz"`
	InputHz       float64 `json:"input_hz_per_player"`
	MissingTicks  uint64  `json:"missing_ticks"`
	DupStates     uint64  `json:"dup_states"`
	InputsSent    uint64  `json:"inputs_sent"`
	InputsAcked   uint64  `json:"inputs_acked"`
	InputsBad     uint64  `json:"inputs_bad_acks"`
	InputErrors   uint64  `json:"inputs_error_acks"`
	InputAckP50MS float64 `json:"input_ack_p50_ms"`
	InputAckP99MS float64 `json:"input_ack_p99_ms"`
	Left          uint64  `json:"left_events"`
	QueueMS       float64 `json:"queue_to_matched_ms"`
}

// gameAuth names client i the way the bots do.
func gameAuth(i int) string { return `{"name":"bot-` + strconv.Itoa(i) + `"}` }

// env is the environment both game servers take. LOG_LEVEL quiets the Go
// example's line per match (lobby.js has none to quiet): the bench measures
// the game, not its logging.
func (p GamePlan) env() []string {
	return []string{
		"MATCH_SIZE=" + strconv.Itoa(p.Size),
		"TICK_HZ=" + strconv.FormatFloat(p.TickHz, 'g', -1, 64),
		"GRACE_MS=5000",
		"LOG_LEVEL=warn",
	}
}

// runLobbyGames measures the game on every server that has one; it
// reports whether any was measured.
func (r *Runner) runLobbyGames(nodeDir string) bool {
	measured := false
	for _, name := range r.cfg.Servers {
		st := r.rep.server(name)
		if name == floorName {
			st.LobbyReason = "the floor server plays no game (it is the bench contract's lower bound, nothing more)"
			continue
		}
		def, err := r.prepareLobby(name, nodeDir)
		st.LobbyCommand = strings.Join(def.Argv, " ")
		if err == nil {
			err = r.probeLobby(def)
		}
		if err != nil {
			st.LobbyReason = err.Error()
			r.logf("%s: lobbygame not measured: %v", name, err)
			continue
		}
		measured = true
		r.runCase(def, "lobbygame", r.runLobbyGame)
	}
	return measured
}

// prepareLobby resolves a server's game command, building Actorio's
// example.
func (r *Runner) prepareLobby(name, nodeDir string) (ServerDef, error) {
	switch name {
	case baseName:
		def := ServerDef{Name: name, Argv: []string{"node", "lobby.js"}, Dir: nodeDir}
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "socket.io")); err != nil {
			return def, fmt.Errorf("socket.io is not installed in %s: run `npm ci` there (make bench does)", nodeDir)
		}
		if _, err := exec.LookPath("node"); err != nil {
			return def, errors.New("node is not on PATH")
		}
		return def, nil
	case candName:
		bin := r.cfg.LobbyBin
		if bin == "" {
			src := filepath.Join(r.cfg.Root, "examples", "lobby")
			bin = filepath.Join(r.cfg.Root, "bench", ".bin", "lobby")
			def := ServerDef{Name: name, Argv: []string{bin}, Dir: r.cfg.Root}
			if gos, _ := filepath.Glob(filepath.Join(src, "*.go")); len(gos) == 0 {
				return def, errors.New("examples/lobby, the Go lobby example on the embedding API, is not in this tree (no Go files to build)")
			}
			r.logf("building %s", bin)
			cmd := exec.Command("go", "build", "-o", bin, "./examples/lobby")
			cmd.Dir = r.cfg.Root
			if out, err := cmd.CombinedOutput(); err != nil {
				return def, fmt.Errorf("go build ./examples/lobby: %v: %s", err, lastLines(string(out), 5))
			}
		}
		return ServerDef{Name: name, Argv: []string{bin}, Dir: r.cfg.Root}, nil
	}
	return ServerDef{Name: name}, fmt.Errorf("unknown server %q (node, actorio)", name)
}

// probeLobby starts the game server once and checks the basics of the
// protocol: listen on $PORT, accept a direct WebSocket with auth {name}
// and ack `queue`. What it gets wrong beyond that is noted, not fatal.
func (r *Runner) probeLobby(def ServerDef) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p, err := StartServer(def, port, r.plan.Game.env(), -1)
	if err != nil {
		return fmt.Errorf("does not start as the game asks (PORT=%d %s %s): %s", port, strings.Join(r.plan.Game.env(), " "), strings.Join(def.Argv, " "), lastLines(err.Error(), 3))
	}
	defer p.Stop()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	const wait = 5 * time.Second
	g, err := loadgen.New(loadgen.Config{Addr: addr, Workers: 1, Auth: gameAuth})
	if err != nil {
		return err
	}
	defer g.Close()
	if d := g.Dial(1, 1, 10*time.Second); d.Connected != 1 {
		return fmt.Errorf("websocket + socket.io connect with auth {name} failed: %v", d.FirstErr)
	}
	if got, err := g.Call(0, "queue", "", wait); err != nil || !strings.Contains(string(got), `"queued":true`) {
		return fmt.Errorf(`queue acked %s (err %v), want [{"queued":true}]`, got, err)
	}
	note := func(format string, args ...any) { r.rep.note(def.Name, "lobbygame: "+format, args...) }
	if got, err := g.Call(0, "queue", "", wait); err != nil || !strings.Contains(string(got), `"queued":false`) {
		note(`a second queue from a queued socket acked %s (err %v), want {"queued":false,"error":...}`, got, err)
	}
	anon, err := loadgen.New(loadgen.Config{Addr: addr, Workers: 1})
	if err != nil {
		return err
	}
	defer anon.Close()
	if d := anon.Dial(1, 1, wait); d.Connected != 0 || d.FirstErr == nil || !strings.Contains(d.FirstErr.Error(), "name required") {
		note(`a connection without auth: %d connected (err %v), want CONNECT_ERROR "name required"`, d.Connected, d.FirstErr)
	}
	return nil
}

// runLobbyGame plays Matches x Size clients for a window and measures the
// state deliveries.
func (r *Runner) runLobbyGame(def ServerDef) error {
	p := r.plan
	gp := p.Game
	n := gp.Matches * gp.Size
	key := fmt.Sprintf("lobbygame %dx%d %gHz", gp.Matches, gp.Size, gp.TickHz)
	return r.withServerGen(def, key, gp.env(), loadgen.Config{Auth: gameAuth}, func(s *session) error {
		if _, err := s.dial(n); err != nil {
			return err
		}
		q, err := s.g.Queue(0, n, gp.TickHz, 60*time.Second)
		if err != nil {
			return err
		}
		if len(q.Matches) != gp.Matches {
			r.rep.note(def.Name, "lobbygame: %d players with MATCH_SIZE=%d were put in %d matches, want %d", n, gp.Size, len(q.Matches), gp.Matches)
		}
		for id, size := range q.Matches {
			if size != gp.Size {
				r.rep.note(def.Name, "lobbygame: match %q has %d players, want %d", id, size, gp.Size)
				break
			}
		}
		start := time.Now().Add(100 * time.Millisecond)
		wStart := start.Add(p.Warm)
		wEnd := wStart.Add(p.Window)
		s.g.SetWindow(wStart, wEnd)
		if gp.InputHz > 0 {
			all := make([]int, n)
			for i := range all {
				all[i] = i
			}
			s.g.Pace(loadgen.PaceSpec{Event: "input", Senders: all, Rate: float64(n) * gp.InputHz, Start: start, End: wEnd})
		}
		t, w, err := s.measure(wStart, wEnd, p.Drain)
		if err != nil {
			return err
		}
		m := s.fill(t, w, t.Delivered+t.StateMissing)
		m.Rate = float64(gp.Matches) * gp.TickHz
		m.Sent = (t.Delivered + t.StateMissing) / uint64(gp.Size) // state broadcasts
		pass := t.Delivered > 0 && m.LossPct < 1 && m.P99MS < ms(gp.MaxP99)
		m.Pass = &pass
		m.Game = &GameFigures{
			Matches: len(q.Matches), Size: gp.Size, TickHz: gp.TickHz, InputHz: gp.InputHz,
			MissingTicks: t.StateMissing, DupStates: t.StateDup,
			InputsSent: t.InputSent, InputsAcked: t.InputAcked, InputsBad: t.InputBad, InputErrors: t.InputErr,
			InputAckP50MS: ms(t.InputLatency.Quantile(0.5)), InputAckP99MS: ms(t.InputLatency.Quantile(0.99)),
			Left: t.Left, QueueMS: ms(q.Elapsed),
		}
		if t.StateDup > 0 {
			r.rep.note(def.Name, "lobbygame: %d states came twice or out of order", t.StateDup)
		}
		if t.InputBad > 0 || t.InputErr > 0 {
			r.rep.note(def.Name, "lobbygame: of %d input acks, %d had the wrong seq or a tick not after the last state, %d were errors", t.InputAcked+t.InputErr, t.InputBad, t.InputErr)
		}
		if t.InputSent > 0 && t.InputAcked+t.InputErr == 0 {
			r.rep.note(def.Name, "lobbygame: none of %d inputs was acked", t.InputSent)
		}
		if t.Left > 0 {
			m.Notes = append(m.Notes, fmt.Sprintf("%d left events (players dropped)", t.Left))
		}
		r.rep.add(key, "lobbygame", "state", false, def.Name, m)
		r.logf("  %-8s %s: %s states/s, loss %.2f%%, p99 %.1f ms, %s µs/state, inputs %d/%d acked (p99 %.1f ms), gen %.0f%%, %s",
			def.Name, key, num(m.Throughput), m.LossPct, m.P99MS, num(m.CPUPerMsgUS), t.InputAcked, t.InputSent, m.Game.InputAckP99MS, m.GenCPUPct, passWord(m))
		return nil
	})
}

// gameSplit prints the lobbygame cases against the target, with the
// figures the main table has no column for.
func (r *Report) gameSplit() string {
	var b strings.Builder
	for _, c := range r.Cases {
		if c.Scenario != "lobbygame" {
			continue
		}
		label := c.Key
		for _, name := range r.serverOrder() {
			m := c.Results[name]
			if m == nil || m.Error != "" || m.Game == nil {
				continue
			}
			if b.Len() == 0 {
				b.WriteString("Lobby game, state deliveries against the target (loss < 1 %, p99 < 50 ms), and the inputs:\n")
				fmt.Fprintf(&b, "%-22s %-7s %8s %8s %8s %8s %8s %8s %8s %8s %8s %s\n", "case", "server", "matches", "loss%", "missing", "p99ms", "cpu%", "inputs", "acked", "ack p99", "bad", "target")
			}
			g := m.Game
			fmt.Fprintf(&b, "%-22s %-7s %8d %8s %8d %8s %8s %8d %8d %8s %8d %s\n", label, name,
				g.Matches, num(m.LossPct), g.MissingTicks, num(m.P99MS), num(m.ServerCPUPct),
				g.InputsSent, g.InputsAcked, num(g.InputAckP99MS), g.InputsBad+g.InputErrors, map[bool]string{true: "met", false: "NOT MET"}[m.Pass != nil && *m.Pass])
			label = ""
		}
	}
	return b.String()
}
