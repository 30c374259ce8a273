package debugenv

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The pattern syntax is the debug module's: each pattern against each
// namespace, compared with what the npm debug package enables.
func TestDebugSelectorMatchesNodeDebug(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found on PATH (%v): the cross-check needs Node 20", err)
	}
	patterns := []string{
		"", "*", "-*", "engine", "engine*", "engine:*", "*:ws", "*ws", "e*e", "e*e*s", "**", "*,-*",
		"socket.io:*", "socket.io*", "socket.io:*,-socket.io:client", "socket.io:socket,engine:ws",
		"  engine   socket.io:namespace ", "engine*,-engine:polling", "-engine:polling,engine*",
		"*,-socket.io-*", "Engine", "socket.io:serve", "socket.io:server*", "*-adapter",
		"actorio:*", "*:actors", "a*a*a", ",,engine,,", "-", "engine\tsocket.io-parser\nsocket.io-redis",
	}
	names := []string{"actorio:engine", "actorio:actors", "", "e", "ee", "aaa", "abab"}
	for _, d := range namespaces {
		names = append(names, d.node)
	}
	in, err := json.Marshal(map[string]any{"patterns": patterns, "names": names})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/debug_enabled.js")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/debug_enabled.js: %v (npm ci installs debug)", err)
	}
	var want [][]bool
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(patterns) {
		t.Fatalf("node answered %q: %v", out, err)
	}
	for i, p := range patterns {
		enabled, _ := selector(p)
		for j, n := range names {
			if got := enabled(n); got != want[i][j] {
				t.Errorf("selector(%q) enabled(%q) = %v, want %v (Node's debug)", p, n, got, want[i][j])
			}
		}
	}
}

// Logger raises the component DEBUG selects, and only that one.
func TestLoggerFollowsDEBUG(t *testing.T) {
	tests := []struct {
		debug, component string
		want             bool // a debug line gets through an info Logger
	}{
		{"socket.io-redis", Adapter, true},
		{"socket.io-redis-streams-adapter", Adapter, true},
		{"socket.io-redis", Engine, false},
		{"*,-socket.io-redis*,-socket.io-adapter", Adapter, false},
		{"", Adapter, false},
	}
	for _, tt := range tests {
		t.Setenv("DEBUG", tt.debug)
		var buf bytes.Buffer
		l := Logger(zerolog.New(&buf).Level(zerolog.InfoLevel), tt.component)
		l.Debug().Msg("line")
		if got := strings.Contains(buf.String(), `"component":"`+tt.component+`"`); got != tt.want {
			t.Errorf("DEBUG=%q Logger(%s).Debug() wrote %q, want a line: %v", tt.debug, tt.component, buf.String(), tt.want)
		}
	}
}
