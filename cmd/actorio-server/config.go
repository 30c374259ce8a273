package main

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// config is the server's configuration: every flag can also be set by an
// environment variable of the same name, ACTORIO_ and upper case with
// underscores (-ping-interval and ACTORIO_PING_INTERVAL); a flag given on
// the command line wins. PORT is read too, as the bench contract says.
type config struct {
	mode            string
	addr            string
	path            string
	corsOrigins     string
	pingInterval    time.Duration
	pingTimeout     time.Duration
	maxBufferSize   int
	transports      string
	recovery        bool
	logLevel        string
	logFormat       string
	metrics         bool
	clientDir       string
	shutdownTimeout time.Duration
}

func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("actorio-server", flag.ContinueOnError)
	fs.StringVar(&c.mode, "mode", "demo", "what to serve: demo (the chat), conformance (the protocol test suites' server) or bench (BENCH-CONTRACT.md)")
	fs.StringVar(&c.addr, "addr", "", "listen address; default 127.0.0.1:$PORT, PORT defaulting to 3000")
	fs.StringVar(&c.path, "path", "/socket.io/", "the Socket.IO path (demo mode)")
	fs.StringVar(&c.corsOrigins, "cors-origins", "", "comma-separated origins allowed cross-origin (* for any); empty: no CORS headers")
	fs.DurationVar(&c.pingInterval, "ping-interval", 25*time.Second, "Engine.IO ping interval")
	fs.DurationVar(&c.pingTimeout, "ping-timeout", 20*time.Second, "Engine.IO ping timeout")
	fs.IntVar(&c.maxBufferSize, "max-buffer-size", 1_000_000, "largest message or POST body, in bytes (maxHttpBufferSize)")
	fs.StringVar(&c.transports, "transports", "polling,websocket", "transports allowed")
	fs.BoolVar(&c.recovery, "recovery", false, "connection state recovery")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level, or per component: info,engine=debug,socket=trace (components: engine socket adapter actors)")
	fs.StringVar(&c.logFormat, "log-format", "auto", "auto (console on a terminal, JSON otherwise), console or json")
	fs.BoolVar(&c.metrics, "metrics", true, "serve Prometheus metrics at /metrics")
	fs.StringVar(&c.clientDir, "client-dir", "node_modules/socket.io-client/dist", "socket.io-client's dist directory, served at <path>socket.io.js; empty: not served")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: actorio-server [flags]\n\nEvery flag may also come from the environment: -ping-interval as ACTORIO_PING_INTERVAL, and so on.\n\n")
		fs.PrintDefaults()
	}
	// Environment first, so the command line overrides it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "ACTORIO_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.addr == "" {
		port := getenv("PORT")
		if port == "" {
			port = "3000"
		}
		c.addr = "127.0.0.1:" + port
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
