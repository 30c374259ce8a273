package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/rs/zerolog"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestConfigFlagsAndEnvironment(t *testing.T) {
	c, err := parseConfig([]string{"-ping-timeout", "3s"}, env(map[string]string{
		"ACTORIO_PING_TIMEOUT": "9s", "ACTORIO_PING_INTERVAL": "2s", "ACTORIO_RECOVERY": "true", "PORT": "4100",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.pingTimeout != 3*time.Second || c.pingInterval != 2*time.Second || !c.recovery || c.addr != "127.0.0.1:4100" || c.mode != "demo" {
		t.Errorf("config = %+v", c)
	}
	if _, err := parseConfig(nil, env(map[string]string{"ACTORIO_PING_INTERVAL": "soon"})); err == nil || !strings.Contains(err.Error(), "ACTORIO_PING_INTERVAL") {
		t.Errorf("bad environment value: %v", err)
	}
	if c, _ := parseConfig([]string{"-addr", "0.0.0.0:1"}, env(map[string]string{"PORT": "9"})); c.addr != "0.0.0.0:1" {
		t.Errorf("-addr lost to PORT: %s", c.addr)
	}
}

func TestLogLevelsPerComponent(t *testing.T) {
	base, per, err := parseLevels("warn,engine=debug,socket=trace")
	if err != nil || base != zerolog.WarnLevel || per["engine"] != zerolog.DebugLevel || per["socket"] != zerolog.TraceLevel {
		t.Fatalf("parseLevels = %v %v %v", base, per, err)
	}
	if _, _, err := parseLevels("loud"); err == nil {
		t.Error("unknown level accepted")
	}
	var out strings.Builder
	f := &componentFilter{out: &out, base: zerolog.WarnLevel, levels: per}
	log := zerolog.New(f).Level(zerolog.TraceLevel)
	log.Debug().Str("component", "engine").Msg("kept: engine at debug")
	log.Debug().Str("component", "actors").Msg("dropped: actors at warn")
	log.Debug().Msg("dropped: no component, base warn")
	log.Trace().Str("component", "socket").Msg("kept: socket at trace")
	if got := out.String(); !strings.Contains(got, "kept: engine") || !strings.Contains(got, "kept: socket") || strings.Contains(got, "dropped") {
		t.Errorf("filtered log:\n%s", got)
	}
}

func TestDemoModeEndpoints(t *testing.T) {
	addrs := make(chan string, 1)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "error", "-client-dir", "../../node_modules/socket.io-client/dist"},
			env(nil), stop, func(a string) { addrs <- a })
	}()
	base := "http://" + <-addrs
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for path, want := range map[string]string{
		"/healthz":                "ok",
		"/readyz":                 "ready",
		"/":                       "<",
		"/socket.io/socket.io.js": "Socket.IO",
		"/metrics":                "actorio_connections",
	} {
		if status, body := get(path); status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %.80q, want 200 with %q", path, status, body, want)
		}
	}
	close(stop)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop")
	}
}

// The built binary, sent SIGTERM with a client connected: the client is
// closed with "server shutting down" and the process exits within its
// deadline.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "actorio-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "info,engine=debug", "-shutdown-timeout", "3s")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // cleanup of a process that may be gone
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(substr string) string {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("log ended before %q", substr)
				}
				if strings.Contains(l, substr) {
					return l
				}
			case <-deadline:
				t.Fatalf("no log line with %q", substr)
			}
		}
	}
	listening := waitLine(`"listening"`)
	url := strings.Split(strings.Split(listening, `"url":"`)[1], `"`)[0]

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{r, conn}
	// The open packet: the session exists, so the shutdown has it to close.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if open, _, err := wsutil.ReadServerData(rw); err != nil || !strings.HasPrefix(string(open), "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(`"reason":"server shutting down"`)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := wsutil.ReadServerData(rw); err != nil {
			break // closed by the server
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second+time.Second {
		t.Errorf("exited %v after SIGTERM, past the 3s deadline", d)
	}
	_ = os.Remove(bin)
}
