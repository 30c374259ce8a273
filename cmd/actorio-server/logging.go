package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/actorio/actorio"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// newLogger builds the server's logger: console output on a terminal, JSON
// otherwise; levels per component (engine, socket, namespace, adapter,
// actors), e.g. "info,engine=debug". When level names no component, Node's
// DEBUG (debug, e.g. "engine*,socket.io:*") selects them, as the library
// reads it. It returns the per-component levels for the library's options.
func newLogger(level, format, debug string, out *os.File) (zerolog.Logger, map[string]zerolog.Level, error) {
	base, perComponent, err := parseLevels(level)
	if err != nil {
		return zerolog.Logger{}, nil, err
	}
	if len(perComponent) == 0 && debug != "" {
		perComponent = actorio.DebugLevels(debug)
	}
	var w io.Writer = out
	if format == "console" || (format == "auto" && isatty.IsTerminal(out.Fd())) {
		w = zerolog.ConsoleWriter{Out: out, TimeFormat: "15:04:05.000"}
	} else if format != "json" && format != "auto" {
		return zerolog.Logger{}, nil, fmt.Errorf("log format %q: want auto, console or json", format)
	}
	lowest := base
	for _, l := range perComponent {
		lowest = min(lowest, l)
	}
	if len(perComponent) > 0 {
		w = &componentFilter{out: w, base: base, levels: perComponent}
	}
	return zerolog.New(w).Level(lowest).With().Timestamp().Logger(), perComponent, nil
}

func parseLevels(spec string) (zerolog.Level, map[string]zerolog.Level, error) {
	base := zerolog.InfoLevel
	per := map[string]zerolog.Level{}
	for _, part := range splitList(spec) {
		name, lvl, hasComponent := strings.Cut(part, "=")
		if !hasComponent {
			lvl, name = name, ""
		}
		l, err := zerolog.ParseLevel(lvl)
		if err != nil {
			return 0, nil, fmt.Errorf("log level %q: %w", part, err)
		}
		if name == "" {
			base = l
		} else {
			per[name] = l
		}
	}
	return base, per, nil
}

// componentFilter drops lines below their component's level (lines
// without a component use the base level).
type componentFilter struct {
	out    io.Writer
	base   zerolog.Level
	levels map[string]zerolog.Level
}

func (f *componentFilter) Write(p []byte) (int, error) { return f.out.Write(p) }

func (f *componentFilter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	min := f.base
	for name, lvl := range f.levels {
		if bytes.Contains(p, []byte(`"component":"`+name+`"`)) {
			min = lvl
			break
		}
	}
	if l < min {
		return len(p), nil
	}
	return f.out.Write(p)
}
