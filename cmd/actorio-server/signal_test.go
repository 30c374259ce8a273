package main

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// A SIGTERM sent the moment the server says it is listening is a graceful
// shutdown: the signal is caught before that line, never left to its
// default action (the process killed, its clients cut without a reason).
func TestSIGTERMAsSoonAsListening(t *testing.T) {
	// Should run miss the signal, this keeps it from killing the test.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)

	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-mode", "conformance", "-addr", "127.0.0.1:0", "-log-level", "error"}, env(nil), stop,
			func(string) { _ = syscall.Kill(os.Getpid(), syscall.SIGTERM) })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v, want a graceful stop", err)
		}
	case <-time.After(testkit.Timeout):
		close(stop)
		<-done
		t.Fatal("run missed a SIGTERM sent once it said it was listening")
	}
}
