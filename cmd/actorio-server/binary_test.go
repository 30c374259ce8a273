package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws/wsutil"
)

// The built binary, driven as a user or the bench runner drives it.

var built struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// serverBinary builds the command once per test run.
func serverBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "actorio-server-test"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "actorio-server")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// exitTimeout bounds every wait for the process: generous, so a loaded
// machine cannot fail a test, short enough that a hung process does.
const exitTimeout = 30 * time.Second

// server is a running actorio-server whose stderr is read line by line.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // stderr; closed at EOF
	mu     sync.Mutex
	all    []string // every line read so far
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startServer starts the binary with args (plus env) and waits for its
// "listening" line; it returns the server and its URL.
func startServer(t *testing.T, env []string, args ...string) (*server, string) {
	t.Helper()
	cmd := exec.Command(serverBinary(t), args...)
	cmd.Env = append(cleanEnv(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, lines: make(chan string, 1024), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.all = append(s.all, sc.Text())
			s.mu.Unlock()
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.err = cmd.Wait() // after the pipe is drained, as Wait requires
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a no-op once it has exited
		// Unblock the reader, whoever stopped reading.
		go func() {
			for range s.lines {
			}
		}()
		<-s.exited
		if t.Failed() {
			t.Logf("server log:\n%s", strings.Join(s.log(), "\n"))
		}
	})
	listening := s.waitLine(`"listening"`)
	var l struct{ URL string }
	if err := json.Unmarshal([]byte(listening), &l); err != nil || l.URL == "" {
		t.Fatalf("listening line %q: %v", listening, err)
	}
	return s, l.URL
}

func (s *server) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.all...)
}

// waitLine returns the next line containing every one of substrs.
func (s *server) waitLine(substrs ...string) string {
	s.t.Helper()
	deadline := time.After(exitTimeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("log ended before a line with %q", substrs)
			}
			if containsAll(l, substrs) {
				return l
			}
		case <-deadline:
			s.t.Fatalf("no log line with %q in %v", substrs, exitTimeout)
		}
	}
}

// terminate sends SIGTERM and waits, bounded, for a clean exit.
func (s *server) terminate() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	go func() { // drain what is left, so the process never blocks on stderr
		for range s.lines {
		}
	}()
	select {
	case <-s.exited:
		if s.err != nil {
			s.t.Errorf("exit after SIGTERM: %v, want status 0", s.err)
		}
	case <-time.After(exitTimeout):
		s.t.Fatalf("still running %v after SIGTERM", exitTimeout)
	}
}

// cleanEnv is this process's environment without the variables the server
// reads, so a developer's shell cannot change a test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ACTORIO_") || strings.HasPrefix(name, "TICK_") || name == "PORT" || name == "REDIS_URL" || name == "DEBUG" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func containsAll(s string, substrs []string) bool {
	for _, sub := range substrs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// wsClient is a raw Engine.IO WebSocket client, every read bounded
// (testkit.Conn).
type wsClient struct{ conn net.Conn }

func dialWS(t *testing.T, url string) *wsClient {
	t.Helper()
	return &wsClient{conn: testkit.DialWS(t, "ws"+strings.TrimPrefix(url, "http")+"/socket.io/?EIO=4&transport=websocket")}
}

// read returns the next text or binary message; err is set when the server
// closed the connection, or the read deadline passed (a net.Error whose
// Timeout() is true).
func (c *wsClient) read() (string, error) {
	data, _, err := wsutil.ReadServerData(c.conn)
	return string(data), err
}

// runBinary runs the binary to its exit, bounded, and returns its status
// and output.
func runBinary(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, serverBinary(t), args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		code = exit.ExitCode()
	default:
		t.Fatalf("run %q: %v (stderr %q)", args, err, errOut.String())
	}
	return code, out.String(), errOut.String()
}
