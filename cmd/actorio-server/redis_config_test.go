package main

import (
	"strings"
	"testing"
)

func TestRedisFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantURL     string
		wantAdapter string
		wantErr     string
	}{
		{name: "default: no cluster", wantAdapter: "pubsub"},
		{name: "flags", args: []string{"-redis", "redis://127.0.0.1:6380", "-redis-adapter", "streams"}, wantURL: "redis://127.0.0.1:6380", wantAdapter: "streams"},
		{name: "environment", env: map[string]string{"ACTORIO_REDIS_URL": "redis://h:1/2", "ACTORIO_REDIS_ADAPTER": "sharded"}, wantURL: "redis://h:1/2", wantAdapter: "sharded"},
		{name: "command line wins", args: []string{"-redis", "redis://a:1"}, env: map[string]string{"ACTORIO_REDIS_URL": "redis://b:1"}, wantURL: "redis://a:1", wantAdapter: "pubsub"},
		{name: "unknown adapter", args: []string{"-redis-adapter", "kafka"}, wantErr: `-redis-adapter "kafka"`},
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
			if err != nil || c.redisURL != tt.wantURL || c.redisAdapter != tt.wantAdapter {
				t.Errorf("parseConfig(%q) = %q %q, %v; want %q %q", tt.args, c.redisURL, c.redisAdapter, err, tt.wantURL, tt.wantAdapter)
			}
		})
	}
}
