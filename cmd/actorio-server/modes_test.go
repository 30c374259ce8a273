package main

import (
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// Every mode honours a flag or refuses it by name; defaults never conflict.
func TestModeFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring; empty: accepted
		check   func(c config) bool
	}{
		{name: "demo honours everything", args: []string{"-recovery", "-ping-interval", "1s", "-path", "/io/", "-transports", "polling"},
			check: func(c config) bool { return c.recovery && c.pingInterval == time.Second && c.path == "/io/" }},
		{name: "conformance defaults", args: []string{"-mode", "conformance"}},
		{name: "conformance logs, address, metrics, shutdown", args: []string{"-mode", "conformance", "-log-level", "debug", "-addr", "127.0.0.1:0", "-metrics=false", "-shutdown-timeout", "1m"},
			check: func(c config) bool { return c.logLevel == "debug" && !c.metrics && c.shutdownTimeout == time.Minute }},
		{name: "conformance accepts the suites' own values", args: []string{"-mode", "conformance", "-ping-interval", "300ms", "-ping-timeout", "200ms", "-max-buffer-size", "1000000"}},
		{name: "conformance ping interval", args: []string{"-mode", "conformance", "-ping-interval", "1s"}, wantErr: "-ping-interval is not allowed in conformance mode"},
		{name: "conformance ping timeout from the environment", args: []string{"-mode", "conformance"}, env: map[string]string{"ACTORIO_PING_TIMEOUT": "1s"}, wantErr: "-ping-timeout is not allowed in conformance mode"},
		{name: "conformance buffer", args: []string{"-mode", "conformance", "-max-buffer-size", "5"}, wantErr: "-max-buffer-size"},
		{name: "conformance path", args: []string{"-mode", "conformance", "-path", "/x/"}, wantErr: "-path"},
		{name: "conformance transports", args: []string{"-mode", "conformance", "-transports", "websocket"}, wantErr: "-transports"},
		{name: "conformance recovery", args: []string{"-mode", "conformance", "-recovery"}, wantErr: "-recovery"},
		{name: "conformance cors", args: []string{"-mode", "conformance", "-cors-origins", "*"}, wantErr: "-cors-origins"},
		{name: "conformance client dir", args: []string{"-mode", "conformance", "-client-dir", "dist"}, wantErr: "-client-dir"},
		{name: "bench defaults: shutdown within the contract's 5s", args: []string{"-mode", "bench"},
			check: func(c config) bool { return c.shutdownTimeout == 5*time.Second && c.pingInterval == 25*time.Second }},
		{name: "bench honours heartbeat, buffer, transports, logs", args: []string{"-mode", "bench", "-ping-interval", "2s", "-ping-timeout", "3s", "-max-buffer-size", "2000000", "-transports", "websocket", "-log-level", "warn", "-shutdown-timeout", "2s"},
			check: func(c config) bool {
				return c.pingInterval == 2*time.Second && c.pingTimeout == 3*time.Second && c.maxBufferSize == 2_000_000 && c.logLevel == "warn" && c.shutdownTimeout == 2*time.Second
			}},
		{name: "bench buffer below the contract", args: []string{"-mode", "bench", "-max-buffer-size", "999999"}, wantErr: "-max-buffer-size is not allowed in bench mode"},
		{name: "bench without websocket", args: []string{"-mode", "bench", "-transports", "polling"}, wantErr: "-transports is not allowed in bench mode"},
		{name: "bench recovery", args: []string{"-mode", "bench"}, env: map[string]string{"ACTORIO_RECOVERY": "true"}, wantErr: "-recovery is not allowed in bench mode"},
		{name: "bench path", args: []string{"-mode", "bench", "-path", "/x/"}, wantErr: "-path is not allowed in bench mode"},
		{name: "bench slow shutdown", args: []string{"-mode", "bench", "-shutdown-timeout", "6s"}, wantErr: "-shutdown-timeout is not allowed in bench mode"},
		{name: "inbound limits and policy", args: []string{"-inbound-messages", "10", "-inbound-bytes", "4096", "-inbound-policy", "close"},
			check: func(c config) bool {
				o := serverOptions(c, zerolog.Nop(), nil)
				return o.InboundLimits == actorio.InboundLimits{Messages: 10, Bytes: 4096} && o.InboundPolicy == actorio.InboundClose
			}},
		{name: "inbound defaults", args: nil,
			check: func(c config) bool { return serverOptions(c, zerolog.Nop(), nil).InboundPolicy == actorio.InboundPause }},
		{name: "bench honours inbound", args: []string{"-mode", "bench", "-inbound-policy", "close"}, check: func(c config) bool { return c.inboundPolicy == "close" }},
		{name: "inbound policy unknown", args: []string{"-inbound-policy", "drop"}, wantErr: `-inbound-policy "drop": want pause or close`},
		{name: "inbound limit zero", args: []string{"-inbound-messages", "0"}, wantErr: "-inbound-messages and -inbound-bytes must be at least 1"},
		{name: "namespace queue", args: []string{"-namespace-queue", "100"},
			check: func(c config) bool { return serverOptions(c, zerolog.Nop(), nil).NamespaceQueue == 100 }},
		{name: "conformance namespace queue", args: []string{"-mode", "conformance", "-namespace-queue", "100"}, wantErr: "-namespace-queue is not allowed in conformance mode"},
		{name: "namespace queue zero", args: []string{"-namespace-queue", "0"}, wantErr: "-namespace-queue must be at least 1"},
		{name: "conformance inbound", args: []string{"-mode", "conformance", "-inbound-policy", "close"}, wantErr: "-inbound-policy is not allowed in conformance mode"},
		{name: "unknown mode", args: []string{"-mode", "chat"}, wantErr: `unknown mode "chat"`},
		{name: "unknown transport", args: []string{"-transports", "polling,carrier-pigeon"}, wantErr: `unknown transport "carrier-pigeon"`},
		{name: "no transport", args: []string{"-transports", ","}, wantErr: "-transports"},
		{name: "stray argument", args: []string{"-mode", "bench", "extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, env(tt.env))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseConfig(%q) = %v, want no error", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseConfig(%q) = %v, want an error with %q", tt.args, err, tt.wantErr)
			case tt.check != nil && !tt.check(c):
				t.Errorf("parseConfig(%q) = %+v, not what the flags say", tt.args, c)
			}
		})
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	for _, arg := range []string{"-help", "-h", "--help"} {
		if _, err := parseConfig([]string{arg}, env(nil)); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("parseConfig(%q) = %v, want flag.ErrHelp", arg, err)
		}
	}
	var out strings.Builder
	usage(&out)
	for _, want := range []string{"Usage: actorio-server", "-ping-interval", "docs/conformance.md", "docs/bench-contract.md", "ACTORIO_PING_INTERVAL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "shared/") {
		t.Errorf("usage points outside the repository:\n%s", out.String())
	}
}

// The binary's exit status and its one line of explanation.
func TestBinaryExitStatus(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "help", args: []string{"-help"}, wantCode: 0, wantStdout: "Usage: actorio-server"},
		{name: "h", args: []string{"-h"}, wantCode: 0, wantStdout: "-max-buffer-size"},
		{name: "unknown flag", args: []string{"-nope"}, wantCode: 1, wantStderr: "actorio-server: flag provided but not defined: -nope"},
		{name: "refused flag", args: []string{"-mode", "conformance", "-ping-interval", "1s"}, wantCode: 1, wantStderr: "-ping-interval is not allowed in conformance mode"},
		{name: "bad TICK_HZ", args: []string{"-mode", "bench", "-addr", "127.0.0.1:0"}, env: []string{"TICK_HZ=fast"}, wantCode: 1, wantStderr: `TICK_HZ="fast"`},
		{name: "redis unreachable (bench)", args: []string{"-mode", "bench", "-addr", "127.0.0.1:0"}, env: []string{"REDIS_URL=redis://127.0.0.1:1"}, wantCode: 1, wantStderr: "actorio-server: cannot join the cluster: "},
		{name: "redis unreachable (demo)", args: []string{"-addr", "127.0.0.1:0", "-redis", "redis://127.0.0.1:1", "-redis-adapter", "streams"}, wantCode: 1, wantStderr: "127.0.0.1:1"},
		{name: "bad REDIS_ADAPTER", args: []string{"-mode", "bench", "-addr", "127.0.0.1:0"}, env: []string{"REDIS_URL=redis://127.0.0.1:1", "REDIS_ADAPTER=kafka"}, wantCode: 1, wantStderr: `REDIS_ADAPTER="kafka"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBinary(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("actorio-server %q exited %d, want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("actorio-server %q stdout = %q, want %q in it", tt.args, stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("actorio-server %q stderr = %q, want %q in it", tt.args, stderr, tt.wantStderr)
			}
			if tt.wantCode != 0 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("actorio-server %q stderr = %q, want one line", tt.args, stderr)
			}
		})
	}
}

// -mode bench honours the heartbeat, payload and log flags: the open
// packet announces them and the debug log has the session.
func TestBenchModeHonoursFlags(t *testing.T) {
	srv, url := startServer(t, nil, "-mode", "bench", "-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "debug",
		"-ping-interval", "7s", "-ping-timeout", "9s", "-max-buffer-size", "2000000")
	c := dialWS(t, url)
	open, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"pingInterval":7000,"pingTimeout":9000,"maxPayload":2000000`; !strings.Contains(open, want) {
		t.Errorf("open packet = %q, want %s in it", open, want)
	}
	var hs struct{ SID string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &hs); err != nil || hs.SID == "" {
		t.Fatalf("open packet %q: %v", open, err)
	}
	srv.waitLine(`"level":"debug"`, `"sid":"`+hs.SID+`"`) // -log-level debug reached the engine
	srv.terminate()
}
