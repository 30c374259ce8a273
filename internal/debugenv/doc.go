// Package debugenv reads Node's DEBUG environment variable, with the debug
// module's pattern syntax, and maps the debug namespaces of Node's
// socket.io, engine.io and adapters onto Actorio's log components. The
// root package's DebugLevels and EngineOptions.LogLevels are its public
// face; the Redis adapters, which cannot import the root package, use
// Logger. It is not a logger: it only chooses levels.
//
// Everything here is pure and safe for concurrent use; only Logger reads
// the environment.
package debugenv
