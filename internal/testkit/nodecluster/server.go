package nodecluster

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// Script is the server, relative to the repository root.
const Script = "testdata/cluster/node_server.js"

// maxLog is how much of the server's output a failed test prints.
const maxLog = 8 << 10

// Options say which cluster the server joins and how.
type Options struct {
	// RedisURL is the Redis every server of the cluster shares
	// (redistest.Server.URL). Required.
	RedisURL string
	// Adapter is "pubsub", "sharded" or "streams". Empty means "pubsub".
	Adapter string
	// Recovery turns on connectionStateRecovery (maxDisconnectionDuration
	// 60 s, skipMiddlewares true). False means off, Node's default.
	Recovery bool
}

// Server is one node_server.js process.
type Server struct {
	t    testing.TB
	port int
	log  testkit.SyncBuffer

	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
	err    error         // cmd.Wait's, valid once exited is closed

	mu      sync.Mutex
	stopped bool
}

// Start runs node_server.js from the repository root with o, and returns
// once it has printed `listening <port>`. It fails the test if the server
// exits first or says nothing within testkit.Timeout; it is stopped when the
// test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found: make test needs Node.js 20 or later (scripts/prereqs.sh)")
	}
	if o.RedisURL == "" {
		t.Fatalf("nodecluster.Start: Options.RedisURL is required")
	}
	adapter := o.Adapter
	if adapter == "" {
		adapter = "pubsub"
	}
	recovery := "0"
	if o.Recovery {
		recovery = "1"
	}
	cmd := exec.Command(node, Script)
	cmd.Dir = Root(t)
	cmd.Env = append(os.Environ(),
		"PORT=0", "REDIS_URL="+o.RedisURL, "REDIS_ADAPTER="+adapter, "RECOVERY="+recovery)
	testkit.DieWithParent(cmd)
	s := &Server{t: t, cmd: cmd, exited: make(chan struct{})}
	cmd.Stderr = &s.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", Script, err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("%s (%s, port %d) output (end):\n%s", Script, adapter, s.port, s.log.Tail(maxLog))
		}
	})

	listening := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, "listening "); ok && first {
				if n, err := strconv.Atoi(p); err == nil {
					listening <- n
				}
			} else {
				fmt.Fprintf(&s.log, "stdout: %s\n", line)
			}
			first = false
		}
		s.err = cmd.Wait()
		close(s.exited)
	}()

	timer := time.NewTimer(testkit.Timeout)
	defer timer.Stop()
	select {
	case s.port = <-listening:
		return s
	case <-s.exited:
		t.Fatalf("%s (%s) exited before listening: %v\n%s", Script, adapter, s.err, s.log.Tail(maxLog))
	case <-timer.C:
		t.Fatalf("%s (%s): not listening within %v\n%s", Script, adapter, testkit.Timeout, s.log.Tail(maxLog))
	}
	panic("not reached: Fatalf does not return")
}

// Port is the port it listens on, on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Addr is its host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the base URL the socket.io clients take: http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Log is what it has written to stderr, and any stdout past the first line.
func (s *Server) Log() string { return s.log.String() }

// Stop sends SIGTERM and waits for the exit, failing the test if it is not a
// clean one. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	if s.signal(syscall.SIGTERM) && s.err != nil {
		s.t.Errorf("%s on port %d: exit after SIGTERM = %v, want status 0", Script, s.port, s.err)
	}
}

// Kill sends SIGKILL, a server dying without a word to the cluster, and
// waits for the exit.
func (s *Server) Kill() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
}

// signal sends sig once and waits for the exit; it reports whether it was
// the one to stop the server.
func (s *Server) signal(sig syscall.Signal) bool {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.stopped = true
	select {
	case <-s.exited:
		s.t.Errorf("%s on port %d: exited on its own before %v: %v", Script, s.port, sig, s.err)
		return false
	default:
	}
	// An error means it is exiting already; the wait below says.
	_ = s.cmd.Process.Signal(sig)
	timer := time.NewTimer(testkit.Timeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		return true
	case <-timer.C:
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.t.Errorf("%s on port %d: still running %v after %v", Script, s.port, testkit.Timeout, sig)
		return false
	}
}

// Root is the repository root, the directory above the working directory
// that holds Script: `go test` runs each package's tests in its own
// directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, Script)); err == nil {
			return dir
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no %s above the working directory", Script)
		}
		dir = parent
	}
}
