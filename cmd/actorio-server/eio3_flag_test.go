package main

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// -allow-eio3 (ACTORIO_ALLOW_EIO3) reaches EngineOptions.AllowEIO3; off by
// default, as Node; refused in conformance mode, which keeps the defaults.
func TestAllowEIO3Flag(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    bool
		wantErr string
	}{
		{name: "default off", args: nil, want: false},
		{name: "flag", args: []string{"-allow-eio3"}, want: true},
		{name: "environment", env: map[string]string{"ACTORIO_ALLOW_EIO3": "true"}, want: true},
		{name: "bench honours it", args: []string{"-mode", "bench", "-allow-eio3"}, want: true},
		{name: "conformance refuses it", args: []string{"-mode", "conformance", "-allow-eio3"}, wantErr: "-allow-eio3 is not allowed in conformance mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig(%q) = %v, want an error with %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%q) = %v", tt.args, err)
			}
			if got := serverOptions(c, zerolog.Nop(), nil).AllowEIO3; got != tt.want {
				t.Errorf("parseConfig(%q, env %v): AllowEIO3 = %v, want %v", tt.args, tt.env, got, tt.want)
			}
		})
	}
}
