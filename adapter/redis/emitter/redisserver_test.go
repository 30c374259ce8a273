package emitter_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/actorio/actorio/internal/testkit/redistest"
)

// startRedis starts a real redis-server for the test and returns its
// address.
func startRedis(t testing.TB) string {
	t.Helper()
	return redistest.Start(t).Addr()
}

// lockedBuffer collects a child process's output for failure messages.
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
