package main

import (
	"io"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config // the fields compared: Port, MatchSize, TickHz, Grace, Period
		wantErr string
	}{
		{"defaults", nil, nil, config{Port: 3000, MatchSize: 10, TickHz: 20, Grace: 5 * time.Second, Period: 50 * time.Millisecond}, ""},
		{"environment", nil, map[string]string{"PORT": "0", "MATCH_SIZE": "4", "TICK_HZ": "30", "GRACE_MS": "1500"},
			config{Port: 0, MatchSize: 4, TickHz: 30, Grace: 1500 * time.Millisecond, Period: time.Second / 30}, ""},
		{"flags win", []string{"-PORT", "4000", "-TICK_HZ", "10"}, map[string]string{"PORT": "5000", "TICK_HZ": "40"},
			config{Port: 4000, MatchSize: 10, TickHz: 10, Grace: 5 * time.Second, Period: 100 * time.Millisecond}, ""},
		{"bad number in the environment", nil, map[string]string{"MATCH_SIZE": "ten"}, config{}, `MATCH_SIZE="ten": not an integer`},
		{"no grace", nil, map[string]string{"GRACE_MS": "0"}, config{}, "GRACE_MS 0: want at least 1"},
		{"tick rate", []string{"-TICK_HZ", "0"}, nil, config{}, "TICK_HZ 0: want 1..1000"},
		{"match size", []string{"-MATCH_SIZE", "0"}, nil, config{}, "MATCH_SIZE 0: want 1..100"},
		{"port", []string{"-PORT", "70000"}, nil, config{}, "PORT 70000: want 0..65535"},
		{"log level", []string{"-LOG_LEVEL", "loud"}, nil, config{}, `LOG_LEVEL "loud": want debug, info, warn or error`},
		{"stray argument", []string{"now"}, nil, config{}, `unexpected arguments ["now"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parseConfig(%q, %v) = %v, want %q", tt.args, tt.env, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%q, %v) = %v", tt.args, tt.env, err)
			}
			got := config{Port: c.Port, MatchSize: c.MatchSize, TickHz: c.TickHz, Grace: c.Grace, Period: c.Period}
			if got != tt.want || c.Nsp != "/" || c.Host != "127.0.0.1" {
				t.Errorf("parseConfig(%q, %v) = %+v, want %+v on 127.0.0.1, namespace /", tt.args, tt.env, c, tt.want)
			}
		})
	}
}
