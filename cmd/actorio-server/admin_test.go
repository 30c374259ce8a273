package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/actorio/actorio/internal/testkit"
)

// A bcrypt hash of "pw" (cost 4).
const testAdminHash = "$2a$04$ke6T.8suVN.hSUZf6IxrQO0PDA7mmj.xdApCutPqHOVT0aQJ6N/M."

func TestAdminFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "off by default", args: nil},
		{name: "no auth given", args: []string{"-admin-ui"}, wantErr: "-admin-ui needs -admin-auth"},
		{name: "explicitly none", args: []string{"-admin-ui", "-admin-auth", "none"}},
		{name: "user and hash", args: []string{"-admin-ui", "-admin-auth", "admin:" + testAdminHash}},
		{name: "from the environment", env: map[string]string{"ACTORIO_ADMIN_UI": "true", "ACTORIO_ADMIN_AUTH": "admin:" + testAdminHash}},
		{name: "no hash", args: []string{"-admin-ui", "-admin-auth", "admin"}, wantErr: "want USER:BCRYPT_HASH or none"},
		{name: "no user", args: []string{"-admin-ui", "-admin-auth", ":" + testAdminHash}, wantErr: "want USER:BCRYPT_HASH or none"},
		{name: "auth without the UI", args: []string{"-admin-auth", "none"}, wantErr: "-admin-auth without -admin-ui"},
		{name: "unknown mode", args: []string{"-admin-ui", "-admin-auth", "none", "-admin-ui-mode", "debug"}, wantErr: `-admin-ui-mode "debug"`},
		{name: "production", args: []string{"-admin-ui", "-admin-auth", "none", "-admin-ui-mode", "production"}},
		{name: "refused in conformance mode", args: []string{"-mode", "conformance", "-admin-ui", "-admin-auth", "none"}, wantErr: "-admin-ui is not allowed in conformance mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, env(tt.env))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("parseConfig(%q, %v) = %v, want an error with %q", tt.args, tt.env, err, tt.wantErr)
			}
		})
	}
}

// -admin-ui serves the stock UI at /admin/ next to the demo; a password
// that is not a bcrypt hash stops the server at start.
func TestDemoModeAdminUI(t *testing.T) {
	if err := run([]string{"-addr", "127.0.0.1:0", "-log-level", "error", "-admin-ui", "-admin-auth", "admin:plain"}, env(nil), nil, nil); err == nil ||
		!strings.Contains(err.Error(), "valid bcrypt hash") {
		t.Errorf("run with a plain password = %v, want an error about the bcrypt hash", err)
	}
	base := "http://" + runDemo(t, "-admin-ui", "-admin-auth", "admin:"+testAdminHash,
		"-admin-ui-dir", "../../node_modules/@socket.io/admin-ui/ui/dist")
	client := &http.Client{Timeout: testkit.Timeout}
	for path, want := range map[string]string{"/admin/": "Socket.IO Admin UI", "/": "<"} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d %.80q, want 200 with %q", path, resp.StatusCode, b, want)
		}
	}
}
