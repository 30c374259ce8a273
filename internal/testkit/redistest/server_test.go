package redistest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

func ping(t *testing.T, s *Server) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	return s.Client().Ping(ctx).Err()
}

// refused reports whether nothing listens on addr any more.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	c := s.Client()

	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Start = %v, want nil", err)
	}
	if got, want := s.URL(), fmt.Sprintf("redis://127.0.0.1:%d", s.Port()); got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET k v = %v, want nil", err)
	}
	// Redis 7 or later: the sharded adapter needs SSUBSCRIBE.
	if err := c.SPublish(ctx, "ch", "x").Err(); err != nil {
		t.Errorf("SPUBLISH = %v, want nil (redis-server 7 or later)", err)
	}

	addr := s.Addr()
	s.Stop()
	if !refused(addr) {
		t.Fatalf("dial %s after Stop succeeded, want refused", addr)
	}
	s.Stop() // a second Stop does nothing

	s.Restart()
	if s.Addr() != addr {
		t.Errorf("Addr() after Restart = %q, want %q", s.Addr(), addr)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart = %v, want nil", err)
	}
	// Nothing persisted: a restart is a fresh, empty server.
	if n, err := c.Exists(ctx, "k").Result(); n != 0 || err != nil {
		t.Errorf("EXISTS k after Restart = %d, %v, want 0, nil", n, err)
	}
	if !strings.Contains(s.Log(), "restart on port") {
		t.Errorf("Log() = %q, want the restart marked", s.Log())
	}
}

// runID is the server process's run_id, new with every start.
func runID(t *testing.T, s *Server) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	info, err := s.Client().Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("INFO server = %v", err)
	}
	for line := range strings.Lines(info) {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
			return id
		}
	}
	t.Fatalf("INFO server = %q, want a run_id line", info)
	return ""
}

// Restart on a running server kills it first: its clients find a new
// process on the same port.
func TestRestartRunning(t *testing.T) {
	s := Start(t)
	before := runID(t, s)
	s.Restart()
	if after := runID(t, s); after == before {
		t.Errorf("run_id after Restart = %q, want a new process's", after)
	}
}

// The server ends with its test.
func TestCleanupStops(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		s := Start(t)
		addr = s.Addr()
		if err := ping(t, s); err != nil {
			t.Fatalf("PING = %v", err)
		}
	})
	if !refused(addr) {
		t.Errorf("dial %s after the test ended succeeded, want refused", addr)
	}
}

func TestServersDoNotShare(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers on %s", a.Addr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	if err := a.Client().Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Client().Exists(ctx, "k").Result(); n != 0 || err != nil {
		t.Errorf("EXISTS k on the other server = %d, %v, want 0, nil", n, err)
	}
}

// fatalRecorder is a testing.TB whose Fatal ends the goroutine, as
// testing's does, after recording the message.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestNotFoundFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := &fatalRecorder{TB: t}
	done := make(chan struct{}, 1)
	go func() {
		defer func() { done <- struct{}{} }() // runs on Goexit too
		Start(r)
		r.msg = "Start returned"
	}()
	testkit.Recv(t, done, "Start without redis-server")
	if r.msg != NotFound {
		t.Errorf("Start without redis-server: Fatalf(%q), want %q", r.msg, NotFound)
	}
}
