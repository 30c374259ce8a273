package actorio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/transport"
	"github.com/rs/zerolog"
)

// These tests drive the real server on a loopback port with the official
// npm engine.io-client, run by Node from testdata/e2e/engine_client.js: one
// script invocation per client and scenario. They need `node` on PATH and
// the repository's node_modules (`npm ci`, or `make deps`).

const e2eScript = "testdata/e2e/engine_client.js"

func TestE2EEngineIOClient(t *testing.T) {
	requireNode(t)

	t.Run("echo/polling", func(t *testing.T) { testE2EEcho(t, "polling") })
	t.Run("echo/websocket", func(t *testing.T) { testE2EEcho(t, "websocket") })
	t.Run("upgrade", testE2EUpgrade)
	t.Run("binary/polling", func(t *testing.T) { testE2EBinary(t, "polling") })
	t.Run("binary/websocket", func(t *testing.T) { testE2EBinary(t, "websocket") })
	t.Run("heartbeat/polling", func(t *testing.T) { testE2EHeartbeat(t, "polling") })
	t.Run("heartbeat/websocket", func(t *testing.T) { testE2EHeartbeat(t, "websocket") })
	t.Run("client close/polling", func(t *testing.T) { testE2EClientClose(t, "polling") })
	t.Run("client close/websocket", func(t *testing.T) { testE2EClientClose(t, "websocket") })
	t.Run("payload limit/polling", func(t *testing.T) { testE2EPayloadLimit(t, "polling") })
	t.Run("payload limit/websocket", func(t *testing.T) { testE2EPayloadLimit(t, "websocket") })
	t.Run("slow reader", testE2ESlowReader)
}

// requireNode fails, rather than skips, when the client cannot run: a
// missing prerequisite must not read as a pass.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found on PATH (%v): the end-to-end tests need Node 20", err)
	}
	if _, err := os.Stat("node_modules/engine.io-client/package.json"); err != nil {
		t.Fatalf("engine.io-client is not installed (%v): run npm ci (or make deps) in the repository root", err)
	}
}

// e2eTimeout bounds each scenario, Node's start included.
const e2eTimeout = 15 * time.Second

func e2eContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func testE2EEcho(t *testing.T, via string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startE2EServer(t, actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	var res struct {
		Transports []string
		Server     string
	}
	startNode(t, ctx, srv.url, "echo-"+via).result(ctx, &res)

	if !slices.Equal(res.Transports, []string{via}) {
		t.Errorf("client's socket.transport.name = %q over its life, want only %q", res.Transports, via)
	}
	if want := "transport:" + via; res.Server != want {
		t.Errorf("server's answer to transport? = %q, want %q", res.Server, want)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	want := []string{
		"open " + via,
		`text ` + via + ` "hello"`,
		`text ` + via + ` "héllo ✓ 🚀"`,
		`text ` + via + ` "one"`,
		`text ` + via + ` "two"`,
		`text ` + via + ` "three"`,
		`text ` + via + ` "transport?"`,
		`close "transport close"`,
	}
	if !slices.Equal(got.events, want) {
		t.Errorf("server saw\n\t%s\nwant\n\t%s", strings.Join(got.events, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func testE2EUpgrade(t *testing.T) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startE2EServer(t, actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	var res struct {
		OpenTransport, UpgradedTo, AfterUpgrade, Final, Server string
	}
	startNode(t, ctx, srv.url, "upgrade").result(ctx, &res)

	if res.OpenTransport != "polling" || res.UpgradedTo != "websocket" || res.AfterUpgrade != "websocket" || res.Final != "websocket" {
		t.Errorf("client transports: opened on %q, upgrade event to %q, then %q, finally %q; want polling, then websocket",
			res.OpenTransport, res.UpgradedTo, res.AfterUpgrade, res.Final)
	}
	if res.Server != "transport:websocket" {
		t.Errorf("server's answer to transport? after the upgrade = %q, want transport:websocket", res.Server)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	// "before" is sent while the client probes: it may travel either way.
	if len(got.events) != 5 || got.events[0] != "open polling" || !strings.HasPrefix(got.events[1], "text ") || !strings.HasSuffix(got.events[1], ` "before"`) ||
		!slices.Equal(got.events[2:], []string{`text websocket "after"`, `text websocket "transport?"`, `close "transport close"`}) {
		t.Errorf("server saw\n\t%s\nwant open polling, before, then after and transport? over websocket, then transport close", strings.Join(got.events, "\n\t"))
	}
}

// e2eBinaryPayloads are the messages engine_client.js sends in the binary
// scenario.
func e2eBinaryPayloads() [][]byte {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	large := make([]byte, 100000)
	for i := range large {
		large[i] = byte((i*7 + 3) % 251)
	}
	return [][]byte{every, {0x34}, large}
}

func testE2EBinary(t *testing.T, via string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startE2EServer(t, actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	var res struct {
		Transport string
		Sizes     []int
	}
	startNode(t, ctx, srv.url, "binary-"+via).result(ctx, &res)

	if res.Transport != via || !slices.Equal(res.Sizes, []int{256, 1, 100000}) {
		t.Errorf("client result = %+v, want %s and three binary echoes", res, via)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	want := []string{
		"open " + via,
		"binary " + via + " 256B",
		"binary " + via + " 1B",
		"binary " + via + " 100000B",
		`text ` + via + ` "4text"`,
		`close "transport close"`,
	}
	if !slices.Equal(got.events, want) {
		t.Fatalf("server saw\n\t%s\nwant\n\t%s", strings.Join(got.events, "\n\t"), strings.Join(want, "\n\t"))
	}
	for i, p := range e2eBinaryPayloads() {
		if m := got.messages[i]; !m.binary || !bytes.Equal(m.data, p) {
			t.Errorf("binary message %d: server got binary=%v, %d bytes that differ from the %d sent", i, m.binary, len(m.data), len(p))
		}
	}
}

func testE2EHeartbeat(t *testing.T, via string) {
	ctx := e2eContext(t, e2eTimeout)
	const interval = 100 * time.Millisecond
	// The server sends its next ping only once the last one was answered,
	// so three pings prove the client's pongs count; the long timeout
	// keeps a loaded machine's slow pong from closing the session.
	srv := startE2EServer(t, actorio.EngineOptions{PingInterval: interval, PingTimeout: 10 * time.Second})
	var res struct {
		Pings     int
		ElapsedMs int
		Reason    string
	}
	startNode(t, ctx, srv.url, "heartbeat-"+via, "3").result(ctx, &res)

	// The client fails by itself if it sees a close before its third ping.
	// A fourth may come while it closes: 100ms is short on a loaded machine.
	if res.Pings < 3 || res.Reason != "forced close" {
		t.Errorf("client: %d pings, then close %q; want at least 3 pings, then its own forced close", res.Pings, res.Reason)
	}
	// The third ping is due 3 intervals after the open packet, give or take
	// the time pongs take; two intervals is a safe lower bound.
	if elapsed := time.Duration(res.ElapsedMs) * time.Millisecond; elapsed < 2*interval {
		t.Errorf("3 pings within %v of the open packet, want about 3 × %v", elapsed, interval)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	// "bye" is sent just before the client closes: a server-side close
	// before it would end the log there.
	want := []string{"open " + via, `text ` + via + ` "bye"`, `close "transport close"`}
	if !slices.Equal(got.events, want) {
		t.Errorf("server saw\n\t%s\nwant\n\t%s", strings.Join(got.events, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func testE2EClientClose(t *testing.T, via string) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startE2EServer(t, actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	var res struct{ Reason string }
	startNode(t, ctx, srv.url, "close-"+via).result(ctx, &res)

	if res.Reason != "forced close" {
		t.Errorf("client close reason = %q, want forced close", res.Reason)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	if got.reason != "transport close" {
		t.Errorf("server OnClose reason = %q, want transport close (events: %q)", got.reason, got.events)
	}
	t.Logf("server: %s", srv.closeLogLine(got.id))
}

func testE2EPayloadLimit(t *testing.T, via string) {
	ctx := e2eContext(t, e2eTimeout)
	const limit = 1000
	srv := startE2EServer(t, actorio.EngineOptions{MaxHTTPBufferSize: limit, PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	var res struct {
		MaxPayload int
		Echoed     []int
		Reason     string
	}
	startNode(t, ctx, srv.url, "limit-"+via).result(ctx, &res)

	if res.MaxPayload != limit || !slices.Equal(res.Echoed, []int{limit - 1, limit}) {
		t.Errorf("client: maxPayload %d, echoed packets of %v bytes; want %d, and packets of %d and %d bytes echoed",
			res.MaxPayload, res.Echoed, limit, limit-1, limit)
	}
	got := srv.waitClosed(t, ctx, 1)[0]
	if got.reason != "transport error" && got.reason != "transport close" {
		t.Errorf("server OnClose reason = %q, want transport error or transport close", got.reason)
	}
	want := []string{"open " + via, "text " + via + " 998B", "text " + via + " 999B"}
	if !slices.Equal(got.events[:len(got.events)-1], want) {
		t.Errorf("server saw\n\t%s\nwant\n\t%s\nthen a close", strings.Join(got.events, "\n\t"), strings.Join(want, "\n\t"))
	}
	t.Logf("a %d-byte packet over %s: client close %q, server OnClose %q", limit+1, via, res.Reason, got.reason)
}

// The slow reader: healthy clients read everything while one client stops
// reading at the TCP level; the server must close that one's session.
//
// The burst goes out in rounds the healthy clients acknowledge, so a
// healthy client's queue never holds much, whatever the machine's speed:
// the round just pushed, plus at most the previous one, which the client
// has read but which the writer that wrote it may not have accounted for
// yet (with 8-message rounds that was 16 × 4101 B > 64 KiB, and healthy
// clients were closed). The slow client acknowledges nothing: its data
// piles up in the kernel's buffers (about 4 MiB on Linux loopback), then in
// its outbound queue. Rounds continue until its session ends.
func testE2ESlowReader(t *testing.T) {
	ctx := e2eContext(t, 25*time.Second)
	const (
		healthy  = 5
		msgSize  = 4 << 10
		perRound = 4        // two rounds are half the soft limit
		maxBytes = 64 << 20 // per client: far beyond any kernel buffering
	)
	srv := startE2EServer(t, actorio.EngineOptions{
		PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, // no heartbeat in the way
		QueueLimits: transport.QueueLimits{SoftBytes: 64 << 10, HardBytes: 256 << 10},
	})
	slow := startNode(t, ctx, srv.url, "slow-reader")
	readers := make([]*nodeRun, healthy)
	for i := range readers {
		readers[i] = startNode(t, ctx, srv.url, "burst-reader", fmt.Sprint(perRound))
	}
	if ev := slow.next(ctx); ev.Event != "paused" {
		t.Fatalf("slow reader's first event = %s, want paused", ev.raw)
	}
	// The slow client says role:slow after pausing, so once the server has
	// every role, the slow one has stopped reading.
	srv.waitFor(t, ctx, "every client's role", func() bool {
		n := map[string]int{}
		for _, s := range srv.sessions {
			n[s.role]++
		}
		return n["healthy"] == healthy && n["slow"] == 1
	})

	sent := 0
	for ; ; sent += perRound {
		if sent*msgSize >= maxBytes {
			t.Fatalf("sent %d bytes to every client and the slow one's session is still open", sent*msgSize)
		}
		if srv.slowClosed() {
			break
		}
		round := make([][]byte, perRound)
		for i := range round {
			round[i] = e2eBurstMessage(sent+i, msgSize)
		}
		for _, s := range srv.live() {
			for _, m := range round {
				s.Send(m, false)
			}
		}
		want := sent + perRound
		what := fmt.Sprintf("every healthy client to acknowledge %d messages (the slow client's session was still open)", want)
		srv.waitFor(t, ctx, what, func() bool {
			for _, s := range srv.sessions {
				if s.role == "healthy" && !s.closed && s.acked < want {
					return false
				}
			}
			return true // a closed healthy client fails below
		})
	}
	t.Logf("the slow client's session closed after %d messages (%d KiB) to every client", sent, sent*msgSize>>10)
	for _, s := range srv.snapshot() {
		if s.role == "slow" {
			t.Logf("slow client's session close: %s", srv.closeLogLine(s.id))
		}
	}

	for _, s := range srv.snapshot() {
		switch {
		case s.role == "slow" && s.reason != "transport error":
			t.Errorf("slow client's session closed with %q, want transport error", s.reason)
		case s.role == "healthy" && s.closed:
			t.Errorf("healthy client %s closed with %q during the burst", s.id, s.reason)
		}
	}
	for _, s := range srv.live() {
		s.Send([]byte(fmt.Sprint("done:", sent)), false)
	}
	for i, r := range readers {
		var res struct{ Count, Bytes, Total int }
		r.result(ctx, &res)
		if res.Count != sent || res.Total != sent || res.Bytes != sent*msgSize {
			t.Errorf("healthy client %d got %d messages, %d bytes; want %d messages, %d bytes", i, res.Count, res.Bytes, sent, sent*msgSize)
		}
	}
	srv.waitFor(t, ctx, "the healthy clients' sessions to close", func() bool {
		for _, s := range srv.sessions {
			if !s.closed {
				return false
			}
		}
		return true
	})
	for _, s := range srv.snapshot() {
		if s.role == "healthy" && s.reason != "transport close" {
			t.Errorf("healthy client %s: server OnClose %q after it closed, want transport close", s.id, s.reason)
		}
	}
	slow.closeStdin(t)
	var res struct{ Paused bool }
	slow.result(ctx, &res)
	if !res.Paused {
		t.Error("slow client's socket was not paused at the end")
	}
}

func e2eBurstMessage(seq, size int) []byte {
	m := fmt.Appendf(make([]byte, 0, size), "%d:", seq)
	for len(m) < size {
		m = append(m, byte('a'+len(m)%26))
	}
	return m
}

// e2eServer is the server under test and its handler, which records each
// session's events in order and answers as the scenarios expect:
// "transport?" gets "transport:" + Transport(), "role:..." and "ack:N" are
// recorded, anything else is echoed.
type e2eServer struct {
	url string
	log *syncBuffer

	mu       sync.Mutex
	sessions []*e2eSession // in open order
	byHandle map[*actorio.EngineSession]*e2eSession
	changed  chan struct{} // signalled after each event
}

type e2eSession struct {
	handle   *actorio.EngineSession
	id       string
	events   []string // "open polling", `text websocket "hi"`, "binary polling 3B", `close "transport close"`
	messages []e2eMessage
	role     string // from "role:..."
	acked    int    // from "ack:N"
	closed   bool
	reason   string
}

type e2eMessage struct {
	data   []byte
	binary bool
}

func startE2EServer(t *testing.T, opts actorio.EngineOptions) *e2eServer {
	t.Helper()
	srv := &e2eServer{
		log:      &syncBuffer{},
		byHandle: make(map[*actorio.EngineSession]*e2eSession),
		changed:  make(chan struct{}, 1),
	}
	opts.Logger = zerolog.New(srv.log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	// Registered first, so it runs last: the log includes the shutdown.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server sessions:\n%s", srv.describe())
			t.Logf("server log:\n%s", srv.log.String())
		}
	})
	engine := actorio.NewEngine(&opts, srv)
	hs := httptest.NewServer(engine)
	t.Cleanup(func() {
		engine.Close()
		hs.Close()
	})
	srv.url = hs.URL
	return srv
}

func (srv *e2eServer) OnOpen(s *actorio.EngineSession) {
	srv.update(func() {
		rec := &e2eSession{handle: s, id: s.ID(), events: []string{"open " + s.Transport()}}
		srv.sessions = append(srv.sessions, rec)
		srv.byHandle[s] = rec
	})
}

func (srv *e2eServer) OnMessage(s *actorio.EngineSession, data []byte, binary bool) {
	text := string(data)
	switch {
	case binary:
		s.Send(data, true)
	case text == "transport?":
		s.Send([]byte("transport:"+s.Transport()), false)
	case strings.HasPrefix(text, "role:"):
		srv.update(func() { srv.byHandle[s].role = strings.TrimPrefix(text, "role:") })
		return
	case strings.HasPrefix(text, "ack:"):
		var n int
		_, _ = fmt.Sscan(strings.TrimPrefix(text, "ack:"), &n)
		srv.update(func() { srv.byHandle[s].acked = n })
		return
	case text == "bye": // the client is closing
	default:
		s.Send(data, false)
	}
	var ev string
	switch {
	case binary:
		ev = fmt.Sprintf("binary %s %dB", s.Transport(), len(data))
	case len(data) > 40:
		ev = fmt.Sprintf("text %s %dB", s.Transport(), len(data))
	default:
		ev = fmt.Sprintf("text %s %q", s.Transport(), data)
	}
	srv.update(func() {
		rec := srv.byHandle[s]
		rec.events = append(rec.events, ev)
		rec.messages = append(rec.messages, e2eMessage{data: bytes.Clone(data), binary: binary})
	})
}

func (srv *e2eServer) OnClose(s *actorio.EngineSession, reason string) {
	srv.update(func() {
		rec := srv.byHandle[s]
		rec.events = append(rec.events, fmt.Sprintf("close %q", reason))
		rec.closed, rec.reason = true, reason
	})
}

// update changes the record under the lock and wakes waitFor. It never
// blocks: it runs inside session actors.
func (srv *e2eServer) update(f func()) {
	srv.mu.Lock()
	f()
	srv.mu.Unlock()
	select {
	case srv.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond, called with the lock held, holds.
func (srv *e2eServer) waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for {
		srv.mu.Lock()
		ok := cond()
		srv.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-srv.changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, context.Cause(ctx))
		}
	}
}

// waitClosed waits until n sessions have opened and closed, and returns
// copies of their records.
func (srv *e2eServer) waitClosed(t *testing.T, ctx context.Context, n int) []e2eSession {
	t.Helper()
	srv.waitFor(t, ctx, fmt.Sprintf("%d sessions to close on the server", n), func() bool {
		closed := 0
		for _, s := range srv.sessions {
			if s.closed {
				closed++
			}
		}
		return closed >= n
	})
	return srv.snapshot()
}

func (srv *e2eServer) snapshot() []e2eSession {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	out := make([]e2eSession, len(srv.sessions))
	for i, s := range srv.sessions {
		out[i] = *s
		out[i].events = slices.Clone(s.events)
		out[i].messages = slices.Clone(s.messages)
	}
	return out
}

// live returns the sessions not closed yet.
func (srv *e2eServer) live() []*actorio.EngineSession {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var out []*actorio.EngineSession
	for _, s := range srv.sessions {
		if !s.closed {
			out = append(out, s.handle)
		}
	}
	return out
}

func (srv *e2eServer) slowClosed() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, s := range srv.sessions {
		if s.role == "slow" && s.closed {
			return true
		}
	}
	return false
}

// closeLogLine returns the server's "session closed" log line for sid.
func (srv *e2eServer) closeLogLine(sid string) string {
	for line := range strings.Lines(srv.log.String()) {
		var entry struct{ SID, Message string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.SID == sid && entry.Message == "session closed" {
			return strings.TrimSpace(line)
		}
	}
	return "(not logged)"
}

func (srv *e2eServer) describe() string {
	var b strings.Builder
	for _, s := range srv.snapshot() {
		fmt.Fprintf(&b, "  %s role=%q acked=%d: %s\n", s.id, s.role, s.acked, strings.Join(s.events, ", "))
	}
	return b.String()
}

// nodeRun is one run of engine_client.js.
type nodeRun struct {
	t        *testing.T
	scenario string
	events   chan []byte // stdout lines; closed at EOF
	exit     chan error  // then the exit status, once
	stdin    io.WriteCloser
	stderr   *syncBuffer
}

// nodeEvent is one line the script printed.
type nodeEvent struct {
	Event string
	raw   []byte
}

// startNode runs the script for scenario against url; ctx bounds it. On
// failure the test prints its stderr.
func startNode(t *testing.T, ctx context.Context, url, scenario string, args ...string) *nodeRun {
	t.Helper()
	r, _ := runNode(t, ctx, e2eScript, scenario, append([]string{url, scenario}, args...)...)
	return r
}

// runNode starts `node script args...`, streams its JSON lines as events,
// and kills it when the test ends; name labels its stderr in failures.
func runNode(t *testing.T, ctx context.Context, script, name string, args ...string) (*nodeRun, *exec.Cmd) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx) // kills the script when the test ends
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	// The script gives up a little before ctx does, so that it can say at
	// which step it was stuck.
	if deadline, ok := ctx.Deadline(); ok {
		ms := max(time.Until(deadline)-2*time.Second, time.Second).Milliseconds()
		cmd.Env = append(os.Environ(), fmt.Sprintf("E2E_TIMEOUT_MS=%d", ms))
	}
	r := &nodeRun{t: t, scenario: name, events: make(chan []byte), exit: make(chan error, 1), stderr: &syncBuffer{}}
	cmd.Stderr = r.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start node %s: %v", name, err)
	}
	stop := make(chan struct{})
	go func() {
		defer close(r.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			select {
			case r.events <- bytes.Clone(sc.Bytes()):
			case <-stop: // nobody listens any more: drain to EOF
			}
		}
		r.exit <- cmd.Wait()
	}()
	t.Cleanup(func() {
		close(stop)
		cancel() // a script still running has failed, or the test has
		<-r.exit
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", name, r.stderr.String())
		}
	})
	return r, cmd
}

// next returns the script's next event.
func (r *nodeRun) next(ctx context.Context) nodeEvent {
	r.t.Helper()
	select {
	case line, ok := <-r.events:
		if !ok {
			err := <-r.exit
			r.exit <- err
			r.t.Fatalf("node %s ended without a result: %v", r.scenario, exitError(err))
		}
		var ev nodeEvent
		if err := json.Unmarshal(line, &ev); err != nil || ev.Event == "" {
			r.t.Fatalf("node %s printed %q, want a JSON event", r.scenario, line)
		}
		ev.raw = line
		return ev
	case <-ctx.Done():
		r.t.Fatalf("node %s: no event: %v", r.scenario, context.Cause(ctx))
	}
	return nodeEvent{} // not reached: Fatalf does not return
}

// result skips events until the result, decodes it into v, and waits for
// the script to exit 0.
func (r *nodeRun) result(ctx context.Context, v any) {
	r.t.Helper()
	for {
		ev := r.next(ctx)
		if ev.Event != "result" {
			r.t.Logf("node %s: %s", r.scenario, ev.raw)
			continue
		}
		if err := json.Unmarshal(ev.raw, v); err != nil {
			r.t.Fatalf("node %s result %s: %v", r.scenario, ev.raw, err)
		}
		break
	}
	select {
	case line, ok := <-r.events:
		if ok {
			r.t.Fatalf("node %s printed %s after its result", r.scenario, line)
		}
		err := <-r.exit
		r.exit <- err
		if err != nil {
			r.t.Fatalf("node %s: %v after its result", r.scenario, exitError(err))
		}
	case <-ctx.Done():
		r.t.Fatalf("node %s did not exit after its result: %v", r.scenario, context.Cause(ctx))
	}
}

func (r *nodeRun) closeStdin(t *testing.T) {
	t.Helper()
	if err := r.stdin.Close(); err != nil {
		t.Fatalf("close node %s stdin: %v", r.scenario, err)
	}
}

func exitError(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
