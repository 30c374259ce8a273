package actorio

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rs/zerolog"
)

// actorLog carries protoactor's slog output into zerolog (component
// "actors"), fixing two things on the way:
//
//   - Dead letters are debug, not info. A message that reaches a stopped
//     actor is the normal end of a session (a timer or a socket read racing
//     its close), not news.
//   - protoactor names an actor message "message", which is zerolog's own
//     message key: the line would carry the key twice. The attribute becomes
//     "message_type", the message's Go type, never its content (it may
//     carry a payload, which is never logged above trace).
type actorLog struct{ next slog.Handler }

func newActorLog(l zerolog.Logger) slog.Handler {
	return actorLog{next: zerolog.NewSlogHandler(l)}
}

// deadLetter is the text protoactor logs a dead letter with.
const deadLetter = "[DeadLetter]"

// systemStarted is protoactor's start-up line, at debug: the server's own
// "listening" line says it started (and the bench contract wants one line).
const systemStarted = "actor system started"

func (h actorLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h actorLog) Handle(ctx context.Context, r slog.Record) error {
	level := r.Level
	if r.Message == deadLetter || r.Message == systemStarted {
		level = min(level, slog.LevelDebug)
		if !h.next.Enabled(ctx, level) {
			return nil
		}
	}
	out := slog.NewRecord(r.Time, level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(actorAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h actorLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	renamed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		renamed[i] = actorAttr(a)
	}
	return actorLog{next: h.next.WithAttrs(renamed)}
}

func (h actorLog) WithGroup(name string) slog.Handler { return actorLog{next: h.next.WithGroup(name)} }

// actorAttr renames the attributes that would repeat one of zerolog's keys.
func actorAttr(a slog.Attr) slog.Attr {
	switch a.Key {
	case zerolog.MessageFieldName:
		return slog.String("message_type", fmt.Sprintf("%T", a.Value.Any()))
	case zerolog.LevelFieldName, zerolog.TimestampFieldName, "component":
		a.Key = "actor_" + a.Key
	}
	return a
}
