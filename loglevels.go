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
	"strings"
	"unicode"

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
var logComponents = []string{LogEngine, LogSocket, LogNamespace, LogAdapter, LogActors}

// debugNamespaces maps each debug namespace of Node's socket.io 4.8,
// engine.io 6.6 and their adapters onto the component that logs what it
// logs. Every component also answers to "actorio:<component>".
var debugNamespaces = []struct{ node, component string }{
	{"engine", LogEngine},
	{"engine:socket", LogEngine},
	{"engine:transport", LogEngine},
	{"engine:polling", LogEngine},
	{"engine:ws", LogEngine},
	{"engine:webtransport", LogEngine},
	{"engine:uws", LogEngine},
	{"socket.io:server", LogSocket},
	{"socket.io:client", LogSocket},
	{"socket.io:socket", LogSocket},
	{"socket.io-parser", LogSocket},
	{"socket.io:namespace", LogNamespace},
	{"socket.io:parent-namespace", LogNamespace},
	{"socket.io:broadcast-operator", LogNamespace},
	{"socket.io:adapter-uws", LogNamespace},
	{"socket.io-adapter", LogAdapter},
	{"socket.io-redis", LogAdapter},
	{"socket.io-redis-streams-adapter", LogAdapter},
}

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
func DebugLevels(debug string) map[string]zerolog.Level {
	enabled, skipped := debugSelector(debug)
	levels := map[string]zerolog.Level{}
	for _, c := range logComponents {
		on, nodeNames, nodeSkipped := enabled("actorio:"+c), 0, 0
		for _, d := range debugNamespaces {
			if d.component == c {
				nodeNames++
				if skipped(d.node) {
					nodeSkipped++
				}
				on = on || enabled(d.node)
			}
		}
		// Excluding every Node namespace of a component excludes it:
		// "*,-engine*" is everything but the Engine.IO layer.
		if on && (nodeNames == 0 || nodeSkipped < nodeNames) {
			levels[c] = zerolog.TraceLevel
		}
	}
	return levels
}

// debugSelector parses a DEBUG value as the debug module's
// enable(namespaces): enabled is its enabled(name); skipped tells whether
// a "-" entry excludes name.
func debugSelector(debug string) (enabled, skipped func(name string) bool) {
	var names, skips []string
	for _, ns := range strings.FieldsFunc(debug, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if rest, ok := strings.CutPrefix(ns, "-"); ok {
			skips = append(skips, rest)
		} else {
			names = append(names, ns)
		}
	}
	skipped = func(name string) bool {
		return slices.ContainsFunc(skips, func(s string) bool { return debugMatch(name, s) })
	}
	enabled = func(name string) bool {
		return !skipped(name) && slices.ContainsFunc(names, func(n string) bool { return debugMatch(name, n) })
	}
	return enabled, skipped
}

// debugMatch reports whether name matches template, where "*" matches any
// run of characters (the debug module's matchesTemplate; case counts).
func debugMatch(name, template string) bool {
	n, t := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case t < len(template) && template[t] == '*':
			star, mark = t, n
			t++
		case t < len(template) && template[t] == name[n]:
			n++
			t++
		case star >= 0: // let the last "*" take one more character
			t = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for t < len(template) && template[t] == '*' {
		t++
	}
	return t == len(template)
}

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
