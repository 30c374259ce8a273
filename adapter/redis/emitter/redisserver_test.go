package emitter_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/internal/testkit"
)

// startRedis starts /usr/bin/redis-server on a random loopback port, with
// no persistence, waits until it answers PING, and kills it when the test
// ends. It returns its address.
//
// Stand-in for internal/testkit/redistest (branch infra): use that once it
// is on main.
func startRedis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found: make test installs it (scripts/prereqs.sh)")
	}
	for attempt := 1; ; attempt++ {
		addr, log, err := tryRedis(t, bin)
		if err == nil {
			return addr
		}
		// The free port found may be taken before redis-server binds it.
		if attempt == 3 || !strings.Contains(log.String(), "Address already in use") {
			t.Fatalf("redis-server: %v\n%s", err, log.String())
		}
	}
}

func tryRedis(t testing.TB, bin string) (string, *lockedBuffer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	log := &lockedBuffer{}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return "", log, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill() // an error means it has exited already
		<-exited
	}

	client := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	defer client.Close()
	deadline := time.Now().Add(testkit.Timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		select {
		case exitErr := <-exited:
			exited <- exitErr
			stop()
			return "", log, exitErr
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", log, err
		}
		time.Sleep(wait) // polling a process that gives no readiness signal
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("redis-server %s output:\n%s", addr, log.String())
		}
	})
	return addr, log, nil
}

// lockedBuffer is a bytes.Buffer a process writes while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
