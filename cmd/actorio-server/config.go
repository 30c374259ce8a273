package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/transport"
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
	allowEIO3       bool
	logLevel        string
	logFormat       string
	metrics         bool
	clientDir       string
	shutdownTimeout time.Duration
	inboundMessages int
	namespaceQueue  int
	inboundBytes    int
	inboundPolicy   string
	redisURL        string
	redisAdapter    string
	adminUI         bool
	adminAuth       string
	adminUIDir      string
	adminUIMode     string
	adminReadonly   bool
	limits          limitConfig // limits_flags.go
	pprof           string      // pprof.go

	// set names the flags given explicitly, on the command line or in the
	// environment: a mode refuses those it cannot honour (modes.go).
	set map[string]bool
}

// flagSet declares the flags into c. The help of each flag that a mode
// fixes says so; modes.go enforces it.
func flagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("actorio-server", flag.ContinueOnError)
	fs.StringVar(&c.mode, "mode", "demo", "what to serve: demo (the chat), conformance (the server of the official protocol test suites, docs/conformance.md) or bench (the benchmark's server, docs/bench-contract.md)")
	fs.StringVar(&c.addr, "addr", "", "listen address; default 127.0.0.1:$PORT, PORT defaulting to 3000")
	fs.StringVar(&c.path, "path", "/socket.io/", "the Socket.IO path (conformance and bench: fixed at /socket.io/)")
	fs.StringVar(&c.corsOrigins, "cors-origins", "", "comma-separated origins allowed cross-origin (* for any); empty: no CORS headers (conformance: refused)")
	fs.DurationVar(&c.pingInterval, "ping-interval", 25*time.Second, "Engine.IO ping interval (conformance: fixed at 300ms)")
	fs.DurationVar(&c.pingTimeout, "ping-timeout", 20*time.Second, "Engine.IO ping timeout (conformance: fixed at 200ms)")
	fs.IntVar(&c.maxBufferSize, "max-buffer-size", 1_000_000, "largest message or POST body, in bytes, maxHttpBufferSize (conformance: fixed at 1000000; bench: at least that)")
	fs.StringVar(&c.transports, "transports", "polling,websocket", "transports allowed: polling, websocket or both (conformance: fixed at both; bench: must include websocket)")
	fs.BoolVar(&c.recovery, "recovery", false, "connection state recovery (conformance and bench: refused, it changes the packets the clients expect)")
	fs.BoolVar(&c.allowEIO3, "allow-eio3", false, "accept Socket.IO 2.x clients (Engine.IO protocol 3), as Node's allowEIO3 (conformance: refused, the suites expect a missing or wrong EIO refused)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level, or per component: info,engine=debug,socket=trace (components: engine socket namespace adapter actors); with no component named, Node's DEBUG (engine*, socket.io:*, -engine:polling) selects components at trace")
	fs.StringVar(&c.logFormat, "log-format", "auto", "auto (console on a terminal, JSON otherwise), console or json")
	fs.BoolVar(&c.metrics, "metrics", true, "serve Prometheus metrics at /metrics (conformance: the /socket.io/ server's)")
	fs.StringVar(&c.clientDir, "client-dir", "node_modules/socket.io-client/dist", "socket.io-client's dist directory, served at <path>socket.io.js; empty: not served (conformance: never served, a value is refused)")
	fs.IntVar(&c.inboundMessages, "inbound-messages", transport.DefaultInboundMessages, "messages a client may have received and not yet handled before -inbound-policy applies (conformance: the default only)")
	fs.IntVar(&c.inboundBytes, "inbound-bytes", transport.DefaultInboundBytes, "bytes of those messages before -inbound-policy applies (conformance: the default only)")
	fs.IntVar(&c.namespaceQueue, "namespace-queue", actorio.DefaultNamespaceQueue, "room-event and server-side-emit handlers that may wait per namespace; past it they are refused, counted and logged (conformance: the default only)")
	fs.StringVar(&c.inboundPolicy, "inbound-policy", "pause", "past the inbound limits: pause (stop reading the client; TCP pushes back) or close (disconnect it) (conformance: pause only)")
	fs.StringVar(&c.redisURL, "redis", "", "join a cluster through Redis at this URL (redis://[:password@]host:port[/db]); environment ACTORIO_REDIS_URL; bench mode also reads REDIS_URL. Empty: one server, in memory")
	fs.StringVar(&c.redisAdapter, "redis-adapter", "pubsub", "the cluster's wire format, as Node's packages: pubsub (@socket.io/redis-adapter), sharded (its createShardedAdapter, Redis 7) or streams (@socket.io/redis-streams-adapter, with recovery across servers); bench mode also reads REDIS_ADAPTER")
	fs.BoolVar(&c.adminUI, "admin-ui", false, "serve the stock Socket.IO admin UI at /admin/ and its /admin namespace (Node: @socket.io/admin-ui's instrument); needs -admin-auth (conformance: refused)")
	fs.StringVar(&c.adminAuth, "admin-auth", "", "the admin UI's login: USER:BCRYPT_HASH (basic auth, the password's bcrypt hash), or none to let everyone in; no default")
	fs.StringVar(&c.adminUIDir, "admin-ui-dir", "node_modules/@socket.io/admin-ui/ui/dist", "the admin UI's files (the npm package's ui/dist), served at /admin/")
	fs.StringVar(&c.adminUIMode, "admin-ui-mode", "development", "development (every socket, room and event reaches the UI) or production (server stats only), Node's mode option")
	fs.BoolVar(&c.adminReadonly, "admin-ui-readonly", false, "refuse the UI's actions (emit, join, leave, disconnect), Node's readonly option")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take (bench: at most 5s, the contract's bound, and 5s by default)")
	limitFlags(fs, &c.limits)
	fs.StringVar(&c.pprof, "pprof", "", "bench mode only: serve net/http/pprof at this address (/debug/pprof/), for the benchmark's profiles; empty: not served")
	return fs
}

// usage prints the help: what -help shows, on stdout.
func usage(w io.Writer) {
	fs := flagSet(&config{})
	fs.SetOutput(w)
	fmt.Fprintf(w, `Usage: actorio-server [flags]

Modes: demo (the default) serves the chat at /; conformance serves the official
Engine.IO v4 and Socket.IO v5 test suites' server (docs/conformance.md); bench
serves the comparison benchmark's server (docs/bench-contract.md; TICK_HZ and
TICK_BYTES from the environment). A mode refuses a flag it cannot honour.

Every flag may also come from the environment: -ping-interval as
ACTORIO_PING_INTERVAL, and so on (-redis as ACTORIO_REDIS_URL); the command
line wins. With -redis every mode joins a cluster through Redis before it
listens, and exits with one line if Redis cannot be reached.

`)
	fs.PrintDefaults()
}

// parseConfig reads the environment, then args. -help returns
// flag.ErrHelp, for the caller to print usage; other errors say which flag
// or variable is wrong.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	c := config{set: map[string]bool{}}
	fs := flagSet(&c)
	fs.SetOutput(io.Discard) // errors are returned, help is printed by the caller
	// Environment first, so the command line overrides it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
			c.set[f.Name] = true
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	if c.addr == "" {
		port := getenv("PORT")
		if port == "" {
			port = "3000"
		}
		c.addr = "127.0.0.1:" + port
	}
	if err := checkTransports(c.transports); err != nil {
		return c, err
	}
	if err := checkInbound(&c); err != nil {
		return c, err
	}
	if err := checkRedisAdapter(c.redisAdapter); err != nil {
		return c, err
	}
	if err := checkLimits(&c.limits); err != nil {
		return c, err
	}
	if _, err := adminOptions(c); err != nil {
		return c, err
	}
	if err := checkMode(&c); err != nil {
		return c, err
	}
	return c, nil
}

// envName is a flag's environment variable: ACTORIO_ and its name in upper
// case, but for -redis, whose variable says it is a URL.
func envName(flagName string) string {
	if flagName == "redis" {
		return "ACTORIO_REDIS_URL"
	}
	return "ACTORIO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func checkRedisAdapter(name string) error {
	if !slices.Contains([]string{"pubsub", "sharded", "streams"}, name) {
		return fmt.Errorf("-redis-adapter %q: want pubsub, sharded or streams", name)
	}
	return nil
}

func checkTransports(list string) error {
	names := splitList(list)
	if len(names) == 0 {
		return fmt.Errorf("-transports %q: want polling, websocket or both", list)
	}
	for _, n := range names {
		if !slices.Contains([]string{"polling", "websocket"}, n) {
			return fmt.Errorf("-transports %q: unknown transport %q (polling or websocket)", list, n)
		}
	}
	return nil
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

// checkInbound refuses inbound limits that bound nothing and unknown
// policies.
func checkInbound(c *config) error {
	if c.inboundMessages < 1 || c.inboundBytes < 1 {
		return fmt.Errorf("-inbound-messages and -inbound-bytes must be at least 1 (got %d and %d)", c.inboundMessages, c.inboundBytes)
	}
	if _, err := inboundPolicy(c.inboundPolicy); err != nil {
		return err
	}
	if c.namespaceQueue < 1 {
		return fmt.Errorf("-namespace-queue must be at least 1 (got %d)", c.namespaceQueue)
	}
	return nil
}

// inboundPolicy maps -inbound-policy to the library's option.
func inboundPolicy(name string) (actorio.InboundPolicy, error) {
	switch name {
	case "pause":
		return actorio.InboundPause, nil
	case "close":
		return actorio.InboundClose, nil
	}
	return 0, fmt.Errorf("-inbound-policy %q: want pause or close", name)
}
