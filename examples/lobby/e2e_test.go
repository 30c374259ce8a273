package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// runMainEnv makes the test binary run the example's main instead of the
// tests: the end-to-end test starts it as a child process, the way a user
// runs the example, without a separate build.
const runMainEnv = "LOBBY_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lobbyProcess is the example running as a child process.
type lobbyProcess struct {
	cmd    *exec.Cmd
	log    *testkit.SyncBuffer
	url    string
	exited chan error
}

// startLobby runs the example with env and waits for its listening line.
func startLobby(t *testing.T, env ...string) *lobbyProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append([]string{runMainEnv + "=1", "PORT=0", "CLIENT_DIR=../../node_modules/socket.io-client/dist"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	testkit.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &lobbyProcess{cmd: cmd, log: &testkit.SyncBuffer{}, exited: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			_, _ = p.log.Write(append(sc.Bytes(), '\n'))
			var line struct{ Message, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == "listening" {
				urls <- line.URL
			}
		}
		_, _ = io.Copy(p.log, stderr)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("lobby's log:\n%s", p.log.Tail(8000))
		}
	})
	select {
	case p.url = <-urls:
	case err := <-p.exited:
		t.Fatalf("lobby exited before listening: %v", err)
	case <-time.After(testkit.Timeout):
		t.Fatalf("lobby not listening within %v", testkit.Timeout)
	}
	return p
}

// stop sends SIGTERM and checks the process exits cleanly within 5 s.
func (p *lobbyProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("lobby exited with %v after SIGTERM, want 0", err)
		}
		if took := time.Since(sent); took > 5*time.Second {
			t.Errorf("lobby exited %v after SIGTERM, want within 5s", took)
		}
	case <-time.After(5 * time.Second):
		t.Error("lobby still running 5s after SIGTERM")
	}
}

// The example end to end, on the official client: bots are matched, play
// (inputs acked and applied at their tick, every tick received in order),
// one drops its connection and comes back recovered with the ticks it
// missed, one leaves for good and its match is told after the grace
// period; a nameless client is refused. Then SIGTERM stops it within 5 s.
func TestLobbyEndToEnd(t *testing.T) {
	lobby := startLobby(t, "MATCH_SIZE=4", "TICK_HZ=20", "GRACE_MS=1000")

	for _, tt := range []struct{ path, want string }{
		{"/", "<canvas"},
		{"/app.js", `socket.emit("input"`},
		{"/socket.io/socket.io.js", "Socket.IO"},
	} {
		res, err := http.Get(lobby.url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), tt.want) {
			t.Errorf("GET %s = %d, %d bytes, want 200 with %q", tt.path, res.StatusCode, len(body), tt.want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Second)
	defer cancel()
	bots := exec.CommandContext(ctx, "node", "testdata/e2e.js", "--url", lobby.url,
		"--bots", "8", "--drop", "1", "--quit", "1", "--seconds", "3", "--grace-ms", "1000")
	var stderr strings.Builder
	bots.Stderr = &stderr
	out, err := bots.Output()
	var report struct {
		OK       bool
		Matched  int
		States   int
		Problems []string
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("e2e.js: %v, output %q (%v), stderr:\n%s", err, out, jerr, stderr.String())
	}
	t.Logf("e2e.js: %s", out)
	if err != nil || !report.OK || report.Matched != 8 {
		t.Errorf("e2e.js: exit %v, ok %v, matched %d of 8; problems:\n  %s", err, report.OK, report.Matched, strings.Join(report.Problems, "\n  "))
	}
	lobby.stop(t)
}

// The page (web/) in headless Chromium: two players are matched, the ticks
// run, and an arrow key moves one's dot on both pages.
func TestLobbyPageInBrowser(t *testing.T) {
	for _, f := range []string{"/usr/bin/chromium", "../../node_modules/playwright-core/package.json"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is missing (%v): make prereqs deps installs what the browser test needs", f, err)
		}
	}
	lobby := startLobby(t, "MATCH_SIZE=2")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shot := filepath.Join(t.TempDir(), "lobby.png")
	cmd := exec.CommandContext(ctx, "node", "testdata/browser.js", lobby.url, shot)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser.js: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("browser.js: %s", out)
	lobby.stop(t)
}
