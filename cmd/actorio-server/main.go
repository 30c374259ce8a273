// Command actorio-server runs Actorio. -mode conformance serves what the
// official Engine.IO protocol test suite drives (../shared/CONFORMANCE.md);
// the demo chat and the bench mode arrive with the Socket.IO layer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/actorio/actorio"
)

func main() {
	mode := flag.String("mode", "demo", "what to serve: demo, conformance or bench")
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()

	var handler http.Handler
	var closeEngine func()
	switch *mode {
	case "conformance":
		mux, engine := conformanceMux()
		handler, closeEngine = mux, engine.Close
	default:
		fmt.Fprintf(os.Stderr, "actorio-server: mode %q is not available yet: it needs the Socket.IO layer (issue 4); try -mode conformance\n", *mode)
		os.Exit(2)
	}

	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		closeEngine()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "actorio-server: %s mode on http://%s\n", *mode, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "actorio-server:", err)
		os.Exit(1)
	}
}

// conformanceMux serves /engine.io/: a bare Engine.IO server that echoes
// every message, with the suite's hard-coded heartbeat.
func conformanceMux() (*http.ServeMux, *actorio.Engine) {
	engine := actorio.NewEngine(&actorio.EngineOptions{
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 1_000_000,
	}, echo{})
	mux := http.NewServeMux()
	mux.Handle(engine.Path(), engine)
	return mux, engine
}

type echo struct{}

func (echo) OnOpen(*actorio.EngineSession)                             {}
func (echo) OnMessage(s *actorio.EngineSession, data []byte, bin bool) { s.Send(data, bin) }
func (echo) OnClose(*actorio.EngineSession, string)                    {}
