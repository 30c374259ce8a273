package main

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// -log-level's components win; with none named, DEBUG selects them.
func TestLogLevelsFromDEBUG(t *testing.T) {
	tests := []struct {
		level, debug string
		want         map[string]zerolog.Level
	}{
		{"info", "", map[string]zerolog.Level{}},
		{"info", "engine*", map[string]zerolog.Level{actorio.LogEngine: zerolog.TraceLevel}},
		{"warn", "socket.io:*,-socket.io:namespace", map[string]zerolog.Level{actorio.LogSocket: zerolog.TraceLevel, actorio.LogNamespace: zerolog.TraceLevel}},
		{"info,socket=debug", "engine*", map[string]zerolog.Level{actorio.LogSocket: zerolog.DebugLevel}},
	}
	for _, tt := range tests {
		_, got, err := newLogger(tt.level, "json", tt.debug, os.Stderr)
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("newLogger(%q, DEBUG=%q) levels = %v, %v, want %v", tt.level, tt.debug, got, err, tt.want)
		}
	}
}

// The binary run with DEBUG=engine*, as a Node server would be: the engine
// logs its sessions, at the default -log-level.
func TestBinaryHonoursDEBUG(t *testing.T) {
	srv, url := startServer(t, []string{"DEBUG=engine*"}, "-addr", "127.0.0.1:0", "-log-format", "json")
	c := dialWS(t, url)
	if open, err := c.read(); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	srv.waitLine(`"component":"engine"`, `"message":"session opened"`)
}
