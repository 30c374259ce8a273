package actorio

// Per-component log levels, and Node's DEBUG environment variable mapped
// onto them. Node's servers log through the debug module: one namespace
// per file ("engine:socket", "socket.io:namespace"...), all off until
// DEBUG names them. Actorio logs to one zerolog.Logger, each line with a
// "component" field; a component's level can be set apart from the
// Logger's. DebugLevels turns a DEBUG value into those levels, with the
// debug module's syntax, so DEBUG=engine* shows the Engine.IO layer as it
// does in Node.

import (
	"os"
	"reflect"
	"slices"

	"github.com/actorio/actorio/internal/debugenv"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// Log components: the "component" field of Actorio's log lines and the
// keys of EngineOptions.LogLevels. Node has none: its debug namespaces
// (see DebugLevels) map onto these.
const (
	// LogEngine is the Engine.IO layer: handshakes, sessions, transports
	// and upgrades (Node: engine, engine:socket, engine:transport,
	// engine:polling, engine:ws, engine:webtransport, engine:uws).
	LogEngine = "engine"
	// LogSocket is the Socket.IO layer above a session: clients, sockets,
	// packets and their handlers (Node: socket.io:server,
	// socket.io:client, socket.io:socket, socket.io-parser).
	LogSocket = "socket"
	// LogNamespace is the namespace and room actors: sockets joining and
	// leaving, rooms, broadcasts (Node: socket.io:namespace,
	// socket.io:parent-namespace, socket.io:broadcast-operator,
	// socket.io:adapter-uws; Node's in-memory adapter keeps rooms, Actorio's
	// namespace actor does).
	LogNamespace = "namespace"
	// LogAdapter is the cluster adapter (Node: socket.io-adapter, whose
	// ClusterAdapter every cluster adapter builds on, socket.io-redis of
	// @socket.io/redis-adapter, socket.io-redis-streams-adapter).
	LogAdapter = "adapter"
	// LogActors is the actor system (protoactor) and the actor gateway.
	// Node has no equivalent: only "*" and "actorio:*" select it.
	LogActors = "actors"
)

// logComponents are every component, in the order they are documented.
var logComponents = debugenv.Components

// DebugLevels reads a value of Node's DEBUG environment variable, with the
// debug module's syntax: names separated by commas or spaces, "*" matching
// any run of characters, a leading "-" excluding what it matches
// ("engine*,-engine:polling"). Each component one of whose Node namespaces
// is selected (see the Log* constants for the table; "actorio:<component>"
// selects one too) gets zerolog.TraceLevel: Node's debug lines include
// every packet, which Actorio logs at trace. The others are not in the
// map. A component is selected while any of its namespaces is, so
// "engine*,-engine:polling" leaves LogEngine on; excluding all of them
// ("*,-engine*") turns it off.
//
// Node: DEBUG=socket.io:*, DEBUG=engine*, read by the debug module's
// enable(namespaces).
func DebugLevels(debug string) map[string]zerolog.Level { return debugenv.Levels(debug) }

// resolveLogging reads DEBUG when the user set no LogLevels, as Node's
// debug module reads it at start. If DEBUG selects something and no Logger
// was given either, the lines go to stderr, as Node's debug writes them;
// the components DEBUG does not select stay silent there, as in Node.
func (o *EngineOptions) resolveLogging() {
	if o.LogLevels != nil {
		return
	}
	debug := os.Getenv("DEBUG")
	if debug == "" {
		return
	}
	o.LogLevels = DebugLevels(debug)
	if len(o.LogLevels) > 0 && reflect.ValueOf(o.Logger).IsZero() {
		w := zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05.000", NoColor: !isatty.IsTerminal(os.Stderr.Fd())}
		o.Logger = zerolog.New(w).
			Level(zerolog.Disabled).With().Timestamp().Logger()
	}
}

// componentLogger is Logger with the component's field and, if
// LogLevels names it, its level.
func (o *EngineOptions) componentLogger(component string) zerolog.Logger {
	l := o.Logger.With().Str("component", component).Logger()
	if lvl, ok := o.LogLevels[component]; ok {
		l = l.Level(lvl)
	}
	return l
}

// checkLogLevels says which LogLevels keys name no component: a typo
// would otherwise change nothing, silently.
func (o *EngineOptions) checkLogLevels() {
	for c := range o.LogLevels {
		if !slices.Contains(logComponents, c) {
			o.Logger.Warn().Str("key", c).Strs("components", logComponents).Msg("LogLevels names an unknown component: ignored")
		}
	}
}
