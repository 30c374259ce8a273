package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/transport"
)

// A mode honours every flag, or refuses a flag given explicitly (command
// line or environment) whose value its contract does not allow, so nothing
// is silently ignored. Defaults never conflict: a mode that fixes a value
// applies it itself.

// modeRule checks one flag in one mode; why is the contract's reason.
type modeRule struct {
	flag string
	ok   func(c *config) bool
	why  string
}

const (
	benchShutdownBound = 5 * time.Second // docs/bench-contract.md: exit within 5s of SIGTERM
	benchMinBuffer     = 1_000_000       // docs/bench-contract.md: maxHttpBufferSize at least 1e6
)

// conformanceRules: the official suites hard-code their server's settings
// (docs/conformance.md); logs, address, metrics and shutdown are free.
var conformanceRules = []modeRule{
	{"path", func(c *config) bool { return c.path == "/socket.io/" }, "the suites use /engine.io/ and /socket.io/"},
	{"ping-interval", func(c *config) bool { return c.pingInterval == 300*time.Millisecond }, "the suites expect pingInterval 300ms"},
	{"ping-timeout", func(c *config) bool { return c.pingTimeout == 200*time.Millisecond }, "the suites expect pingTimeout 200ms"},
	{"max-buffer-size", func(c *config) bool { return c.maxBufferSize == 1_000_000 }, "the suites expect maxPayload 1000000"},
	{"transports", func(c *config) bool { return hasTransports(c, "polling", "websocket") }, "the suites use polling and websocket"},
	{"recovery", func(c *config) bool { return !c.recovery }, "recovery adds a pid to CONNECT and an offset to events, which the suites reject"},
	{"allow-eio3", func(c *config) bool { return !c.allowEIO3 }, "the suites expect a missing or wrong EIO refused (with it, as in Node, any EIO but 4 is protocol 3)"},
	{"cors-origins", func(c *config) bool { return c.corsOrigins == "" }, "the conformance server sends no CORS headers"},
	{"client-dir", func(c *config) bool { return c.clientDir == "" }, "the conformance server serves no client bundle"},
	{"inbound-messages", func(c *config) bool { return c.inboundMessages == transport.DefaultInboundMessages }, "the conformance server keeps the library's defaults"},
	{"inbound-bytes", func(c *config) bool { return c.inboundBytes == transport.DefaultInboundBytes }, "the conformance server keeps the library's defaults"},
	{"inbound-policy", func(c *config) bool { return c.inboundPolicy == "pause" }, "the conformance server keeps the library's defaults"},
	{"namespace-queue", func(c *config) bool { return c.namespaceQueue == actorio.DefaultNamespaceQueue }, "the conformance server keeps the library's defaults"},
	{"limit-conn-rate", func(c *config) bool { return c.limits.connRate == "" }, "the suites open connections as fast as they run"},
	{"limit-conn-per-ip", func(c *config) bool { return c.limits.connPerIP == 0 }, "the suites open many connections from one address"},
	{"limit-conns", func(c *config) bool { return c.limits.conns == 0 }, "the conformance server keeps the library's defaults"},
	{"limit-events", func(c *config) bool { return c.limits.events == "" }, "the conformance server keeps the library's defaults"},
	{"limit-conn-burst", func(c *config) bool { return c.limits.connBurst == 0 }, "the conformance server keeps the library's defaults"},
	{"limit-tracked-ips", func(c *config) bool { return c.limits.addresses == actorio.DefaultMaxAddresses }, "the conformance server keeps the library's defaults"},
	{"limit-events-burst", func(c *config) bool { return c.limits.eventsBurst == 0 }, "the conformance server keeps the library's defaults"},
	{"limit-events-action", func(c *config) bool { return c.limits.eventsAction == "refuse" }, "the conformance server keeps the library's defaults"},
	{"trusted-proxies", func(c *config) bool { return c.limits.proxies == "" }, "the conformance server keeps the library's defaults"},
	{"ws-origin-check", func(c *config) bool { return c.limits.originCheck }, "the conformance server sends no CORS headers, so it checks no Origin"},
	{"tls-cert", func(c *config) bool { return c.limits.tlsCert == "" }, "the suites connect over plain HTTP"},
	{"tls-key", func(c *config) bool { return c.limits.tlsKey == "" }, "the suites connect over plain HTTP"},
	{"admin-ui", func(c *config) bool { return !c.adminUI }, "the suites' server serves their namespaces only"},
}

// benchRules: what docs/bench-contract.md fixes; every other flag is
// honoured (ping values are announced in the open packet, which the load
// generator follows).
var benchRules = []modeRule{
	{"path", func(c *config) bool { return c.path == "/socket.io/" }, "the load generator connects to /socket.io/"},
	{"max-buffer-size", func(c *config) bool { return c.maxBufferSize >= benchMinBuffer }, "the contract needs at least 1000000"},
	{"transports", func(c *config) bool { return hasTransports(c, "websocket") }, "the load generator connects over websocket"},
	{"recovery", func(c *config) bool { return !c.recovery }, "recovery adds an offset argument to every broadcast, which the contract forbids"},
	{"shutdown-timeout", func(c *config) bool { return c.shutdownTimeout <= benchShutdownBound }, "the contract wants an exit within 5s of SIGTERM"},
}

// checkMode refuses explicit flags the mode cannot honour and applies the
// mode's own defaults.
func checkMode(c *config) error {
	var rules []modeRule
	switch c.mode {
	case "demo":
	case "conformance":
		rules = conformanceRules
	case "bench":
		rules = benchRules
		if !c.set["shutdown-timeout"] {
			c.shutdownTimeout = benchShutdownBound
		}
	default:
		return fmt.Errorf("unknown mode %q (demo, conformance or bench)", c.mode)
	}
	if c.pprof != "" && c.mode != "bench" {
		return fmt.Errorf("-pprof is not allowed in %s mode: profiles are the benchmark's (bench mode)", c.mode)
	}
	for _, r := range rules {
		if c.set[r.flag] && !r.ok(c) {
			return fmt.Errorf("-%s is not allowed in %s mode: %s", r.flag, c.mode, r.why)
		}
	}
	return nil
}

// hasTransports reports whether c's -transports includes every name in want.
func hasTransports(c *config, want ...string) bool {
	got := splitList(c.transports)
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
