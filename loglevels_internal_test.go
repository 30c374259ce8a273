package actorio

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
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
	for _, d := range debugNamespaces {
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
		enabled, _ := debugSelector(p)
		for j, n := range names {
			if got := enabled(n); got != want[i][j] {
				t.Errorf("debugSelector(%q) enabled(%q) = %v, want %v (Node's debug)", p, n, got, want[i][j])
			}
		}
	}
}
