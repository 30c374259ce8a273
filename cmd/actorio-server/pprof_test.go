package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// -pprof is the benchmark's: refused in the other modes, and in bench mode
// it serves the profiles on an address of its own.
func TestPprofFlag(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "bench", args: []string{"-mode", "bench", "-pprof", "127.0.0.1:6060"}},
		{name: "bench from the environment", args: []string{"-mode", "bench"}, env: map[string]string{"ACTORIO_PPROF": "127.0.0.1:6060"}},
		{name: "demo", args: []string{"-pprof", "127.0.0.1:6060"}, wantErr: "-pprof is not allowed in demo mode"},
		{name: "conformance", args: []string{"-mode", "conformance", "-pprof", "127.0.0.1:6060"}, wantErr: "-pprof is not allowed in conformance mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseConfig(%q) = %v, want no error", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseConfig(%q) = %v, want %q", tt.args, err, tt.wantErr)
			case tt.wantErr == "" && c.pprof != "127.0.0.1:6060":
				t.Fatalf("parseConfig(%q).pprof = %q, want %q", tt.args, c.pprof, "127.0.0.1:6060")
			}
		})
	}
}

func TestServePprof(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stop, err := servePprof(addr)
	if err != nil {
		t.Fatalf("servePprof(%q) = %v", addr, err)
	}
	defer stop()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("GET /debug/pprof/heap = %d %.80q, want 200 and a heap profile", resp.StatusCode, body)
	}
}
