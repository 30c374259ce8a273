package debugenv

import (
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/rs/zerolog"
)

// Actorio's log components (the root package's Log* constants).
const (
	Engine    = "engine"
	Socket    = "socket"
	Namespace = "namespace"
	Adapter   = "adapter"
	Actors    = "actors"
)

// Components are every component, in the order they are documented.
var Components = []string{Engine, Socket, Namespace, Adapter, Actors}

// namespaces maps each debug namespace of Node's socket.io 4.8, engine.io
// 6.6 and their adapters onto the component that logs what it logs. Every
// component also answers to "actorio:<component>".
var namespaces = []struct{ node, component string }{
	{"engine", Engine},
	{"engine:socket", Engine},
	{"engine:transport", Engine},
	{"engine:polling", Engine},
	{"engine:ws", Engine},
	{"engine:webtransport", Engine},
	{"engine:uws", Engine},
	{"socket.io:server", Socket},
	{"socket.io:client", Socket},
	{"socket.io:socket", Socket},
	{"socket.io-parser", Socket},
	{"socket.io:namespace", Namespace},
	{"socket.io:parent-namespace", Namespace},
	{"socket.io:broadcast-operator", Namespace},
	{"socket.io:adapter-uws", Namespace},
	{"socket.io-adapter", Adapter},
	{"socket.io-redis", Adapter},
	{"socket.io-redis-streams-adapter", Adapter},
}

// Levels maps a DEBUG value onto components at zerolog.TraceLevel (see
// the root package's DebugLevels for the rules).
func Levels(debug string) map[string]zerolog.Level {
	enabled, skipped := selector(debug)
	levels := map[string]zerolog.Level{}
	for _, c := range Components {
		on, nodeNames, nodeSkipped := enabled("actorio:"+c), 0, 0
		for _, d := range namespaces {
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

// Logger is l with the component's field, at trace if $DEBUG selects the
// component (else at l's level): for code with a Logger option and no
// LogLevels, such as the Redis adapters.
func Logger(l zerolog.Logger, component string) zerolog.Logger {
	l = l.With().Str("component", component).Logger()
	if lvl, ok := Levels(os.Getenv("DEBUG"))[component]; ok {
		l = l.Level(lvl)
	}
	return l
}

// selector parses a DEBUG value as the debug module's enable(namespaces):
// enabled is its enabled(name); skipped tells whether a "-" entry excludes
// name.
func selector(debug string) (enabled, skipped func(name string) bool) {
	var names, skips []string
	for _, ns := range strings.FieldsFunc(debug, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if rest, ok := strings.CutPrefix(ns, "-"); ok {
			skips = append(skips, rest)
		} else {
			names = append(names, ns)
		}
	}
	skipped = func(name string) bool {
		return slices.ContainsFunc(skips, func(s string) bool { return match(name, s) })
	}
	enabled = func(name string) bool {
		return !skipped(name) && slices.ContainsFunc(names, func(n string) bool { return match(name, n) })
	}
	return enabled, skipped
}

// match reports whether name matches template, where "*" matches any run
// of characters (the debug module's matchesTemplate; case counts).
func match(name, template string) bool {
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
