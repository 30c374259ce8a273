// Command actorio-server runs Actorio: the demo chat by default (-mode
// demo), the server the official protocol test suites drive (-mode
// conformance, docs/conformance.md) and the benchmark's server (-mode
// bench, docs/bench-contract.md). Run with -help for the flags; each also
// reads from the environment (ACTORIO_<FLAG>). A mode honours every flag
// or refuses it (modes.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/benchserver"
	"github.com/actorio/actorio/internal/conformance"
	"github.com/actorio/actorio/internal/demo"
	"github.com/actorio/actorio/internal/redisjoin"
	"github.com/rs/zerolog"
)

func main() {
	err := run(os.Args[1:], os.Getenv, nil, nil)
	switch {
	case errors.Is(err, flag.ErrHelp): // asked for: not a failure
		usage(os.Stdout)
	case err != nil:
		fmt.Fprintln(os.Stderr, "actorio-server:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM (or until stop is closed, for tests);
// listening, if set, is told the address once the server accepts.
func run(args []string, getenv func(string) string, stop <-chan struct{}, listening func(addr string)) error {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	logger, levels, err := newLogger(cfg.logLevel, cfg.logFormat, getenv("DEBUG"), os.Stderr)
	if err != nil {
		return err
	}

	var bc benchserver.Config
	if cfg.mode == "bench" {
		if bc, err = benchserver.ConfigFromEnv(getenv); err != nil {
			return err
		}
		// The contract's REDIS_URL and REDIS_ADAPTER; the flags win.
		if cfg.redisURL == "" {
			cfg.redisURL = bc.RedisURL
		}
		if bc.RedisAdapter != "" && !cfg.set["redis-adapter"] {
			cfg.redisAdapter = bc.RedisAdapter
		}
	}
	// The cluster is joined before anything listens, as Node's servers do.
	var ad adapter.Adapter
	closeRedis := func() {}
	if cfg.redisURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), clusterJoinTimeout)
		ad, closeRedis, err = redisjoin.Join(ctx, cfg.redisURL, cfg.redisAdapter, logger.With().Str("component", actorio.LogAdapter).Logger())
		cancel()
		if err != nil {
			return fmt.Errorf("cannot join the cluster: %w", err)
		}
	}

	mux := http.NewServeMux()
	var o ops
	var sio *actorio.Server
	var closeServer func()
	switch cfg.mode {
	case "demo":
		opts := serverOptions(cfg, logger, levels)
		opts.Adapter = ad
		d := demo.New(demo.Options{Server: opts})
		mux.Handle("/", d)
		sio, closeServer = d.Server, d.Close
	case "conformance":
		c := conformance.NewInCluster(logger, ad)
		mux.Handle("/", c.Handler)
		sio, closeServer = c.SocketIO(), c.Close
	case "bench":
		bc.Options = serverOptions(cfg, logger, levels)
		bc.Options.Adapter = ad
		b := benchserver.New(bc)
		mux.Handle(b.Path(), b)
		sio, closeServer = b.Server, b.Close
	default: // parseConfig refuses other modes
		closeRedis()
		return fmt.Errorf("unknown mode %q", cfg.mode)
	}
	closeApp := func() {
		closeServer() // leaves the cluster
		closeRedis()
	}
	if err := mountAdminUI(mux, sio, cfg, logger); err != nil {
		closeApp()
		return err
	}
	o.mount(mux, sio, cfg.metrics)
	stopPprof, err := servePprof(cfg.pprof)
	if err != nil {
		closeApp()
		return err
	}
	defer stopPprof()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		closeApp()
		return err
	}
	scheme := "http"
	if cfg.limits.tlsCert != "" {
		if ln, err = listenTLS(ln, cfg.limits.tlsCert, cfg.limits.tlsKey); err != nil {
			closeApp()
			return err
		}
		scheme = "https"
	}
	// Signals are caught before the server says it is listening: a
	// supervisor may send SIGTERM as soon as it reads that line, and the
	// default action would kill the process with no graceful shutdown.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)

	web := actorio.NewHTTPServer("", mux)
	served := make(chan error, 1)
	go func() { served <- web.Serve(ln) }()
	logger.Info().Str("mode", cfg.mode).Str("url", scheme+"://"+ln.Addr().String()).Msg("listening")
	if listening != nil {
		listening(ln.Addr().String())
	}

	select {
	case err := <-served:
		closeApp()
		return err
	case <-signals:
	case <-stop:
	}

	// Graceful shutdown: not ready any more, no new connections, every
	// client told "server shutting down", all within the deadline.
	logger.Info().Dur("deadline", cfg.shutdownTimeout).Msg("shutting down")
	o.shuttingDown.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	_ = ln.Close()
	appClosed := make(chan struct{})
	go func() {
		closeApp()
		close(appClosed)
	}()
	select {
	case <-appClosed:
	case <-ctx.Done():
		logger.Warn().Msg("clients not all closed by the deadline")
	}
	if err := web.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn().Err(err).Msg("http shutdown")
	}
	logger.Info().Msg("stopped")
	return nil
}

// clusterJoinTimeout bounds connecting to Redis at start.
const clusterJoinTimeout = 10 * time.Second

// serverOptions are the flags' Socket.IO options (demo and bench modes).
func serverOptions(cfg config, logger zerolog.Logger, levels map[string]zerolog.Level) *actorio.Options {
	o := &actorio.Options{ClientDir: cfg.clientDir, EngineOptions: actorio.EngineOptions{
		Path:              cfg.path,
		PingInterval:      cfg.pingInterval,
		PingTimeout:       cfg.pingTimeout,
		MaxHTTPBufferSize: cfg.maxBufferSize,
		Transports:        splitList(cfg.transports),
		AllowEIO3:         cfg.allowEIO3,
		Logger:            logger,
		LogLevels:         levels,
		InboundLimits:     actorio.InboundLimits{Messages: cfg.inboundMessages, Bytes: cfg.inboundBytes},
	}}
	o.InboundPolicy, _ = inboundPolicy(cfg.inboundPolicy) // checked by parseConfig
	o.NamespaceQueue = cfg.namespaceQueue
	if origins := splitList(cfg.corsOrigins); len(origins) > 0 {
		o.CORS = &actorio.CORSOptions{Origins: origins}
	}
	if cfg.recovery {
		o.ConnectionStateRecovery = &actorio.RecoveryOptions{}
	}
	_, _ = cfg.limits.apply(o) // checked by parseConfig
	if _, err := os.Stat(cfg.clientDir); cfg.clientDir != "" && err != nil {
		logger.Warn().Str("dir", cfg.clientDir).Msg("socket.io-client bundle not found: run npm ci; /socket.io/socket.io.js will 404")
	}

	return o
}
