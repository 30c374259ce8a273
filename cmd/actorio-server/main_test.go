package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
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

// runDemo runs the binary's run in demo mode on a loopback port with args
// added and returns the address it listens on. When the test ends it is
// stopped, and must exit cleanly within exitTimeout.
func runDemo(t *testing.T, args ...string) string {
	t.Helper()
	addrs := make(chan string, 1)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- run(append([]string{"-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "error"}, args...),
			env(nil), stop, func(a string) { addrs <- a })
	}()
	t.Cleanup(func() {
		close(stop)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run after stop = %v, want nil", err)
			}
		case <-time.After(exitTimeout):
			t.Errorf("did not stop in %v", exitTimeout)
		}
	})
	select {
	case a := <-addrs:
		return a
	case err := <-done:
		t.Fatalf("run ended before listening: %v", err)
	case <-time.After(exitTimeout):
		t.Fatalf("not listening after %v", exitTimeout)
	}
	panic("not reached: Fatalf does not return")
}

func TestDemoModeEndpoints(t *testing.T) {
	base := "http://" + runDemo(t, "-client-dir", "../../node_modules/socket.io-client/dist")
	client := &http.Client{Timeout: testkit.Timeout}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
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
}

// The built binary, sent SIGTERM with a client connected: the client is
// closed with "server shutting down" and the process exits, cleanly, within
// a bound; every log line along the way is JSON with no key twice.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	srv, url := startServer(t, nil, "-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "info,engine=debug", "-shutdown-timeout", "10s")
	c := dialWS(t, url)
	// The open packet: the session exists, so the shutdown has it to close.
	if open, err := c.read(); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.waitLine(`"reason":"server shutting down"`)
	for {
		_, err := c.read()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the client's connection is still open after the shutdown: %v", err)
		}
		if err != nil {
			break // closed by the server
		}
	}
	srv.waitLine(`"stopped"`)
	select {
	case <-srv.exited:
		if srv.err != nil {
			t.Errorf("exit: %v, want status 0", srv.err)
		}
	case <-time.After(exitTimeout): // the process's own deadline is 10s: this only catches a hang
		t.Fatalf("still running %v after SIGTERM", exitTimeout)
	}
	for _, l := range srv.log() {
		if strings.Contains(l, "clients not all closed by the deadline") {
			t.Errorf("shutdown missed its deadline: %s", l)
		}
		if err := uniqueKeys(l); err != nil {
			t.Error(err)
		}
	}
}

// uniqueKeys fails unless line is a JSON object with no key twice
// (encoding/json would silently keep the last).
func uniqueKeys(line string) error {
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("log line %q is not a JSON object", line)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("log line %q: %v", line, err)
		}
		key := tok.(string)
		if seen[key] {
			return fmt.Errorf("log line %q has %q twice", line, key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("log line %q: %v", line, err)
		}
	}
	return nil
}
