package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/rs/zerolog"
)

// config is the example's settings: flags, each defaulting to the
// environment variable of the same name (PORT for -PORT...), else to the
// game protocol's defaults.
type config struct {
	Host      string
	Port      int
	MatchSize int
	TickHz    int
	Grace     time.Duration
	ClientDir string
	LogLevel  zerolog.Level

	Nsp    string        // the namespace the game is played on: "/"
	Period time.Duration // 1/TickHz
}

func parseConfig(args []string, getenv func(string) string, errOut io.Writer) (config, error) {
	c := config{Nsp: "/"}
	fs := flag.NewFlagSet("lobby", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var graceMS int
	var level string
	var envErr error
	str := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	num := func(name string, def int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("%s=%q: not an integer", name, v)
		}
		return n
	}
	fs.StringVar(&c.Host, "HOST", str("HOST", "127.0.0.1"), "the address to listen on (env HOST); 0.0.0.0 for every interface")
	fs.IntVar(&c.Port, "PORT", num("PORT", 3000), "the port to listen on (env PORT); 0 picks a free one")
	fs.IntVar(&c.MatchSize, "MATCH_SIZE", num("MATCH_SIZE", 10), "players per match (env MATCH_SIZE)")
	fs.IntVar(&c.TickHz, "TICK_HZ", num("TICK_HZ", 20), "ticks per second of every match (env TICK_HZ)")
	fs.IntVar(&graceMS, "GRACE_MS", num("GRACE_MS", 5000), "how long a dropped player is held, in ms; also connection state recovery's maxDisconnectionDuration (env GRACE_MS)")
	fs.StringVar(&c.ClientDir, "CLIENT_DIR", str("CLIENT_DIR", "node_modules/socket.io-client/dist"), "socket.io-client's dist directory, served at /socket.io/socket.io.js (env CLIENT_DIR)")
	fs.StringVar(&level, "LOG_LEVEL", str("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.LogLevel, err = zerolog.ParseLevel(level); err != nil || level == "" {
		return c, fmt.Errorf("LOG_LEVEL %q: want debug, info, warn or error", level)
	}
	switch {
	case c.Port < 0 || c.Port > 65535:
		return c, fmt.Errorf("PORT %d: want 0..65535", c.Port)
	case c.MatchSize < 1 || c.MatchSize > 100:
		return c, fmt.Errorf("MATCH_SIZE %d: want 1..100", c.MatchSize)
	case c.TickHz < 1 || c.TickHz > 1000:
		return c, fmt.Errorf("TICK_HZ %d: want 1..1000", c.TickHz)
	case graceMS < 1:
		// Zero would mean recovery's default (2 minutes), not "no grace".
		return c, fmt.Errorf("GRACE_MS %d: want at least 1", graceMS)
	}
	c.Grace = time.Duration(graceMS) * time.Millisecond
	c.Period = time.Second / time.Duration(c.TickHz)
	return c, nil
}
