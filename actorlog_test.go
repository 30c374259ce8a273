package actorio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// jsonKeys returns the top-level keys of a JSON object in order,
// duplicates included (encoding/json would keep only the last).
func jsonKeys(line string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %v %v", t, err)
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// checkLine fails unless line is a JSON object with no key twice.
func checkLine(t *testing.T, line string) {
	t.Helper()
	keys, err := jsonKeys(line)
	if err != nil {
		t.Fatalf("jsonKeys(%q): %v", line, err)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("jsonKeys(%q) has %q twice", line, k)
		}
		seen[k] = true
	}
}

type deadProbe struct{ payload string }

// Records as protoactor writes them, through the handler the Engine gives
// its own actor system.
func TestActorLog(t *testing.T) {
	probe := &deadProbe{payload: "secret"}
	tests := []struct {
		name  string
		level zerolog.Level // the logger's
		log   func(l *slog.Logger)
		want  []string // substrings of the one line; nil: no line
	}{
		{"dead letter at info is dropped", zerolog.InfoLevel, func(l *slog.Logger) {
			l.Info(deadLetter, slog.Any("pid", "p"), slog.Any("message", probe), slog.Any("sender", nil))
		}, nil},
		{"dead letter shows at debug", zerolog.DebugLevel, func(l *slog.Logger) {
			l.Info(deadLetter, slog.Any("pid", "p"), slog.Any("message", probe), slog.Any("sender", nil))
		}, []string{`"level":"debug"`, `"message_type":"*actorio.deadProbe"`, `"message":"[DeadLetter]"`}},
		{"throttled dead letters are debug too", zerolog.DebugLevel, func(l *slog.Logger) {
			l.Info(deadLetter, slog.Int64("throttled", 3))
		}, []string{`"level":"debug"`, `"throttled":3`}},
		{"other records keep their level, renamed keys", zerolog.InfoLevel, func(l *slog.Logger) {
			l.Error("[Supervision]", slog.Any("message", probe), slog.String("level", "x"))
		}, []string{`"level":"error"`, `"message_type":"*actorio.deadProbe"`, `"actor_level":"x"`}},
		{"attributes bound with With are renamed", zerolog.InfoLevel, func(l *slog.Logger) {
			l.With(slog.String("time", "then")).Info("actor started")
		}, []string{`"actor_time":"then"`, `"message":"actor started"`}},
		{"the system's start-up line is debug", zerolog.InfoLevel, func(l *slog.Logger) {
			l.Info(systemStarted)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out lockedBuffer
			tt.log(slog.New(newActorLog(zerolog.New(&out).Level(tt.level).With().Str("component", "actors").Timestamp().Logger())))
			got := strings.TrimSpace(out.String())
			if tt.want == nil {
				if got != "" {
					t.Errorf("log = %q, want nothing", got)
				}
				return
			}
			if strings.Count(got, "\n") != 0 {
				t.Fatalf("log = %q, want one line", got)
			}
			checkLine(t, got)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("log = %q, want %s in it", got, w)
				}
			}
			if strings.Contains(got, "secret") {
				t.Errorf("log = %q, an actor message's content is never logged", got)
			}
		})
	}
}

// A real dead letter: an Engine's own actor system, a message to an actor
// that has stopped.
func TestEngineDeadLetterIsDebug(t *testing.T) {
	for _, level := range []zerolog.Level{zerolog.InfoLevel, zerolog.DebugLevel} {
		t.Run(level.String(), func(t *testing.T) {
			var out lockedBuffer
			e := NewEngine(&EngineOptions{Logger: zerolog.New(&out).Level(level)}, nil)
			defer e.Close()
			pid := e.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
			if err := e.system.Root.PoisonFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			e.system.Root.Send(pid, &deadProbe{}) // logged before Send returns

			var lines []string
			for l := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
				if strings.Contains(l, deadLetter) {
					lines = append(lines, l)
				}
			}
			switch {
			case level == zerolog.InfoLevel && len(lines) != 0:
				t.Errorf("info log has dead letters: %q", lines)
			case level == zerolog.DebugLevel && len(lines) != 1:
				t.Errorf("debug log has %d dead letters, want 1: %q", len(lines), out.String())
			case level == zerolog.DebugLevel:
				checkLine(t, lines[0])
				if !strings.Contains(lines[0], `"level":"debug"`) || !strings.Contains(lines[0], `"message_type":"*actorio.deadProbe"`) {
					t.Errorf("dead letter = %q, want level debug and its message type", lines[0])
				}
			}
		})
	}
}
