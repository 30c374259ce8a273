// Command actorio-server runs Actorio. -mode conformance serves what the
// official Engine.IO and Socket.IO protocol test suites drive
// (../shared/CONFORMANCE.md); -mode bench serves ../shared/BENCH-CONTRACT.md;
// the demo chat comes next.
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

	"github.com/actorio/actorio/internal/benchserver"
	"github.com/actorio/actorio/internal/conformance"
	"github.com/rs/zerolog"
)

func main() {
	mode := flag.String("mode", "demo", "what to serve: demo, conformance or bench")
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT, PORT defaulting to 3000)")
	flag.Parse()
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "3000"
		}
		*addr = "127.0.0.1:" + port
	}

	var handler http.Handler
	var closeEngine func()
	switch *mode {
	case "conformance":
		srv := conformance.New(zerolog.Nop())
		handler, closeEngine = srv.Handler, srv.Close
	case "bench":
		srv := benchserver.New(benchserver.ConfigFromEnv())
		mux := http.NewServeMux()
		mux.Handle(srv.Path(), srv)
		handler, closeEngine = mux, srv.Close
	default:
		fmt.Fprintf(os.Stderr, "actorio-server: mode %q is not available yet: the demo is not built yet; try -mode conformance or -mode bench\n", *mode)
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
