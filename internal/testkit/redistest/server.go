package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/internal/testkit"
)

// NotFound is the whole message of the failure when redis-server is not on
// PATH.
const NotFound = "redis-server not found: make test installs it (scripts/prereqs.sh)"

// portAttempts bounds the retries when the free port found is taken before
// redis-server binds it (another test process got it first).
const portAttempts = 3

// maxLog is how much of redis-server's output a failed test prints: the end,
// where the reason is.
const maxLog = 8 << 10

// Server is one redis-server process and the loopback port it owns for the
// whole test, across Stop and Restart.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	log  testkit.SyncBuffer

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts redis-server on a random free loopback port, waits until it
// answers PING, and stops it when the test ends. A missing redis-server
// fails the test with NotFound.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("%s", NotFound)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("redis-server %s output (end):\n%s", s.Addr(), s.log.Tail(maxLog))
		}
	})
	for attempt := 1; ; attempt++ {
		s.port = freePort(t)
		err := s.start()
		if err == nil {
			return s
		}
		if attempt == portAttempts || !strings.Contains(s.log.String(), "Address already in use") {
			t.Fatalf("redis-server on port %d: %v\n%s", s.port, err, s.log.Tail(maxLog))
		}
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's address as the Node adapters and the binary's -redis
// flag take it: redis://127.0.0.1:PORT.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Port is the loopback port, the same across Restart.
func (s *Server) Port() int { return s.port }

// Log is everything redis-server has written so far, across restarts.
func (s *Server) Log() string { return s.log.String() }

// Stop kills redis-server (SIGKILL: to its clients it is a crash) and waits
// for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	// An error here means it has exited already; the wait below says so.
	_ = s.cmd.Process.Kill()
	timer := time.NewTimer(testkit.Timeout)
	defer timer.Stop()
	select {
	case <-s.exited:
	case <-timer.C:
		s.t.Errorf("redis-server %s: still running %v after SIGKILL", s.Addr(), testkit.Timeout)
	}
	s.cmd = nil
}

// Kill is Stop, for fault tests that read better with it.
func (s *Server) Kill() { s.t.Helper(); s.Stop() }

// Restart starts redis-server again on the same port, empty, and waits until
// it answers PING. It stops the running one first, if any.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	fmt.Fprintf(&s.log, "--- redistest: restart on port %d\n", s.port)
	if err := s.start(); err != nil {
		s.t.Fatalf("redis-server restart on port %d: %v\n%s", s.port, err, s.log.Tail(maxLog))
	}
}

// Client returns a go-redis client of the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DisableIdentity: true})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// start runs redis-server on s.port and waits for its PING; on error the
// process is gone.
func (s *Server) start() error {
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "", // stdout, into s.log
	)
	cmd.Stdout = &s.log
	cmd.Stderr = &s.log
	testkit.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // an exit status after SIGKILL is expected; early exits are caught by ready
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	if err := s.ready(exited); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// ready waits until the server answers PING, it exits, or testkit.Timeout
// passes.
func (s *Server) ready(exited <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{
		Addr:            s.Addr(),
		DialTimeout:     250 * time.Millisecond,
		ReadTimeout:     250 * time.Millisecond,
		MaxRetries:      -1, // this loop is the retry
		DisableIdentity: true,
	})
	defer c.Close()
	deadline := time.Now().Add(testkit.Timeout)
	var err error
	for wait := time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 50*time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-exited:
			timer.Stop()
			return errors.New("exited before answering PING")
		case <-timer.C:
		}
	}
	return fmt.Errorf("no answer to PING within %v: %v", testkit.Timeout, err)
}

// freePort returns a loopback TCP port nobody listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
