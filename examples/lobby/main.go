package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/actorio/actorio"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

//go:embed web/*
var web embed.FS

// shutdownTimeout bounds the graceful shutdown: the process exits within
// 5 s of SIGTERM.
const shutdownTimeout = 4 * time.Second

func main() {
	switch err := run(os.Args[1:], os.Getenv, nil); {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "lobby:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM (or until stop is closed, for tests).
func run(args []string, getenv func(string) string, stop <-chan struct{}) error {
	cfg, err := parseConfig(args, getenv, os.Stderr)
	if err != nil {
		return err
	}
	log := zerolog.New(os.Stderr).Level(cfg.LogLevel).With().Timestamp().Logger()

	// The application's own actor system: Actorio's actors live in it too,
	// under their own root, next to the matchmaker.
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}))
	defer system.Shutdown()

	if _, err := os.Stat(cfg.ClientDir); err != nil {
		log.Warn().Str("dir", cfg.ClientDir).Msg("socket.io-client bundle not found (npm ci at the repository root): the page cannot load it")
	}
	srv := actorio.NewServer(&actorio.Options{
		EngineOptions: actorio.EngineOptions{ActorSystem: system, Logger: log},
		// A dropped player's socket, rooms and missed snapshots are kept
		// as long as its match holds it.
		ConnectionStateRecovery: &actorio.RecoveryOptions{MaxDisconnectionDuration: cfg.Grace},
		ClientDir:               cfg.ClientDir,
	})
	srv.Use(func(s *actorio.Socket) error {
		if playerName(s.Handshake().Auth) == "" {
			return &actorio.ConnectError{Message: "name required"}
		}
		return nil
	})

	matchmaker, err := system.Root.SpawnNamed(matchmakerProps(cfg, srv.Gateway(), log), "lobby")
	if err != nil {
		srv.Close()
		return fmt.Errorf("matchmaker: %w", err)
	}
	// Subscribed before the first client can connect, so none is missed.
	srv.Of(cfg.Nsp).Subscribe(matchmaker)

	page, _ := fs.Sub(web, "web") // the embedded directory exists
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv)
	mux.Handle("/", http.FileServerFS(page))

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		srv.Close()
		return err
	}
	// Caught before the listening line: whoever reads it may signal at once.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)

	web := actorio.NewHTTPServer("", mux)
	served := make(chan error, 1)
	go func() { served <- web.Serve(ln) }()
	log.Info().Str("url", "http://"+ln.Addr().String()).Int("match_size", cfg.MatchSize).
		Int("tick_hz", cfg.TickHz).Dur("grace", cfg.Grace).Msg("listening")

	select {
	case err := <-served:
		srv.Close()
		return err
	case <-signals:
	case <-stop:
	}
	log.Info().Msg("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	_ = ln.Close()
	// The game first, so that closing the sockets does not feed it a
	// Disconnected per player; then the clients, told "server shutting down".
	srv.Of(cfg.Nsp).Unsubscribe(matchmaker)
	closed := make(chan struct{})
	var gameStopped atomic.Bool
	go func() {
		_ = system.Root.StopFuture(matchmaker).Wait() // its matches with it
		gameStopped.Store(true)
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
		log.Warn().Bool("game_stopped", gameStopped.Load()).Msg("not all closed by the deadline")
	}
	if err := web.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn().Err(err).Msg("http shutdown")
	}
	log.Info().Msg("stopped")
	return nil
}
