package actorio_test

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/rs/zerolog"
)

func TestDebugLevels(t *testing.T) {
	all := []string{actorio.LogEngine, actorio.LogSocket, actorio.LogNamespace, actorio.LogAdapter, actorio.LogActors}
	tests := []struct {
		in   string
		want []string // the components at trace
	}{
		{"", nil},
		{"*", all},
		{"socket.io:*", []string{actorio.LogSocket, actorio.LogNamespace}},
		{"socket.io*", []string{actorio.LogSocket, actorio.LogNamespace, actorio.LogAdapter}},
		{"engine*", []string{actorio.LogEngine}},
		{"engine", []string{actorio.LogEngine}},
		{"engine:*", []string{actorio.LogEngine}},
		{"socket.io:socket,engine:ws", []string{actorio.LogSocket, actorio.LogEngine}},
		{"  socket.io:namespace   socket.io-redis ", []string{actorio.LogNamespace, actorio.LogAdapter}},
		{"socket.io-parser", []string{actorio.LogSocket}},
		{"socket.io:parent-namespace", []string{actorio.LogNamespace}},
		{"socket.io-adapter", []string{actorio.LogAdapter}},
		{"*,-engine*", []string{actorio.LogSocket, actorio.LogNamespace, actorio.LogAdapter, actorio.LogActors}},
		{"-engine*,*", []string{actorio.LogSocket, actorio.LogNamespace, actorio.LogAdapter, actorio.LogActors}},
		{"engine*,-engine:polling", []string{actorio.LogEngine}},
		{"engine:polling,-engine:polling", nil},
		{"*,-socket.io:*", []string{actorio.LogEngine, actorio.LogSocket, actorio.LogAdapter, actorio.LogActors}}, // socket.io-parser keeps LogSocket
		{"*,-socket.io*", []string{actorio.LogEngine, actorio.LogActors}},
		{"*,-actorio:*", []string{actorio.LogEngine, actorio.LogSocket, actorio.LogNamespace, actorio.LogAdapter}},
		{"engine,-actorio:engine", []string{actorio.LogEngine}},
		{"actorio:*", all},
		{"actorio:actors", []string{actorio.LogActors}},
		{"*:actors", []string{actorio.LogActors}},
		{"*:ws", []string{actorio.LogEngine}},
		{"-*", nil},
		{"Engine", nil}, // the debug module's names are case-sensitive
		{"express:*,engine.io-client:*", nil},
		{"socket.io:serve", nil},
		{",,engine,,", []string{actorio.LogEngine}},
	}
	for _, tt := range tests {
		got := actorio.DebugLevels(tt.in)
		want := map[string]zerolog.Level{}
		for _, c := range tt.want {
			want[c] = zerolog.TraceLevel
		}
		if !maps.Equal(got, want) {
			t.Errorf("DebugLevels(%q) = %v, want %v", tt.in, got, want)
		}
	}
}

// logLine is what the tests read of a JSON log line.
type logLine struct {
	Level, Component, Message string
}

// readLog parses a JSON log, one line each.
func readLog(t *testing.T, log string) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// belowInfo lists the lines of a component under info level.
func belowInfo(lines []logLine, component string) []string {
	var out []string
	for _, l := range lines {
		if l.Component == component && (l.Level == "debug" || l.Level == "trace") {
			out = append(out, l.Message)
		}
	}
	return out
}

// DEBUG raises the components it selects on the user's Logger, through a
// real connection; explicit LogLevels win over DEBUG.
func TestDebugSelectsComponentLogs(t *testing.T) {
	tests := []struct {
		name      string
		debug     string
		levels    map[string]zerolog.Level
		wantDebug []string // components with debug or trace lines
	}{
		{name: "engine*", debug: "engine*", wantDebug: []string{actorio.LogEngine}},
		{name: "socket.io:namespace", debug: "socket.io:namespace", wantDebug: []string{actorio.LogNamespace}},
		{name: "everything but the namespace", debug: "*,-socket.io:namespace,-socket.io:parent-namespace,-socket.io:broadcast-operator,-socket.io:adapter-uws", wantDebug: []string{actorio.LogEngine}},
		{name: "DEBUG unset", wantDebug: nil},
		{name: "LogLevels win over DEBUG", debug: "engine*", levels: map[string]zerolog.Level{actorio.LogNamespace: zerolog.DebugLevel}, wantDebug: []string{actorio.LogNamespace}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DEBUG", tt.debug)
			var buf testkit.SyncBuffer
			srv, base := startServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{
				Logger: zerolog.New(&buf).Level(zerolog.InfoLevel), LogLevels: tt.levels,
			}})
			c := dialSIO(t, base)
			c.connect("")
			waitSockets(t, srv.Of("/"), 1) // the namespace actor has added the socket
			_ = c.c.Close()
			waitSockets(t, srv.Of("/"), 0) // and removed it
			testkit.Eventually(t, "the session's close logged", func() bool {
				return !slices.Contains(tt.wantDebug, actorio.LogEngine) || strings.Contains(buf.String(), `"session closed"`)
			})
			lines := readLog(t, buf.String())
			for _, comp := range []string{actorio.LogEngine, actorio.LogNamespace} {
				got := belowInfo(lines, comp)
				if want := slices.Contains(tt.wantDebug, comp); want != (len(got) > 0) {
					t.Errorf("DEBUG=%q LogLevels=%v: %s debug lines %q, want some: %v\nlog:\n%s", tt.debug, tt.levels, comp, got, want, buf.String())
				}
			}
		})
	}
}

// With no Logger, DEBUG's lines go to stderr, as Node's debug module
// writes them, and only the components it selects.
func TestDebugWithoutLoggerWritesStderr(t *testing.T) {
	t.Setenv("DEBUG", "socket.io:namespace")
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	stderr := os.Stderr
	os.Stderr = f // read once, by NewServer
	srv, base := startServer(t, nil)
	os.Stderr = stderr
	c := dialSIO(t, base)
	c.connect("")
	waitSockets(t, srv.Of("/"), 1)
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if !strings.Contains(out, "socket added") || !strings.Contains(out, "component=namespace") || strings.Contains(out, "component=engine") {
		t.Errorf("stderr with DEBUG=%q:\n%s\nwant the namespace's lines and no engine's", os.Getenv("DEBUG"), out)
	}
}
