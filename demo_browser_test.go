package actorio_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/demo"
	"github.com/rs/zerolog"
)

// The demo chat's page, driven in a real browser: headless Debian Chromium
// under playwright-core, run by Node from testdata/e2e/browser_chat.js,
// against the demo server on a random loopback port. The script asserts on
// what the pages show; this test serves, restarts the server on the same
// address when the script asks, and checks the script's result.

const (
	browserScript = "testdata/e2e/browser_chat.js"
	chromiumPath  = "/usr/bin/chromium"
	// demoTimeout bounds the whole scenario, Chromium's start and the
	// client's reconnection backoff included.
	demoTimeout = 40 * time.Second
)

// requireBrowser fails, rather than skips, when the browser test cannot
// run, and says how to install what is missing.
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found on PATH (%v): the browser test needs Node 20: apt-get install -y nodejs npm", err)
	}
	for _, f := range []string{"node_modules/playwright-core/package.json", "node_modules/socket.io-client/dist/socket.io.js"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is missing (%v): run npm ci --no-audit --no-fund (or make deps) in the repository root", f, err)
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing (%v): the browser test drives Debian's Chromium: apt-get update -qq && apt-get install -y -qq chromium", chromiumPath, err)
	}
}

// demoServer is the chat on an httptest server whose log the test prints
// when it fails.
type demoServer struct {
	demo *demo.Demo
	http *httptest.Server
}

// startDemo serves a new chat on ln, or on a random loopback port when ln
// is nil.
func startDemo(t *testing.T, log io.Writer, ln net.Listener) *demoServer {
	t.Helper()
	opts := &actorio.Options{
		ClientDir:     "node_modules/socket.io-client/dist",
		EngineOptions: actorio.EngineOptions{Logger: zerolog.New(log).Level(zerolog.DebugLevel).With().Timestamp().Logger()},
	}
	d := demo.New(demo.Options{Server: opts})
	ts := httptest.NewUnstartedServer(d)
	if ln != nil {
		ts.Listener.Close()
		ts.Listener = ln
	}
	ts.Start()
	s := &demoServer{demo: d, http: ts}
	t.Cleanup(s.stop)
	return s
}

// stop disconnects every client, then closes the listener. It may run
// twice.
func (s *demoServer) stop() {
	s.demo.Close()
	s.http.Close()
}

func TestDemoBrowserChat(t *testing.T) {
	requireBrowser(t)
	ctx := e2eContext(t, demoTimeout)
	log := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})

	first := startDemo(t, log, nil)
	addr := first.http.Listener.Addr().String()
	shot := filepath.Join(t.TempDir(), "demo-chat.png")
	if dir := os.Getenv("DEMO_SCREENSHOT_DIR"); dir != "" { // to keep it after the test
		shot = filepath.Join(dir, "demo-chat.png")
	}
	run, _ := runNode(t, ctx, browserScript, "browser chat", first.http.URL, shot)

	waitEvent(t, ctx, run, "stop-server")
	first.stop()
	say(t, run, "stopped")

	waitEvent(t, ctx, run, "start-server")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	startDemo(t, log, ln)
	say(t, run, "started")

	var res struct {
		Statuses        map[string][]string
		Names           []string
		Refusal         string
		Screenshot      string
		ScreenshotBytes int
	}
	run.result(ctx, &res)
	for who, s := range res.Statuses {
		t.Logf("%s's connection status went %v", who, s)
	}
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s: %d bytes, error %v; want a PNG", shot, len(png), err)
	}
	t.Logf("screenshot of alice's page: %s (%d bytes)", shot, len(png))
}

// waitEvent skips the script's events until one called name.
func waitEvent(t *testing.T, ctx context.Context, run *nodeRun, name string) {
	t.Helper()
	for {
		ev := run.next(ctx)
		if ev.Event == name {
			return
		}
		if ev.Event == "result" {
			t.Fatalf("node %s: result before %s: %s", run.scenario, name, ev.raw)
		}
		t.Logf("node %s: %s", run.scenario, ev.raw)
	}
}

// say writes one line to the script's stdin.
func say(t *testing.T, run *nodeRun, line string) {
	t.Helper()
	if _, err := io.WriteString(run.stdin, line+"\n"); err != nil {
		t.Fatalf("write %q to node %s: %v", line, run.scenario, err)
	}
}
