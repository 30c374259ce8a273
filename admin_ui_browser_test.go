package actorio_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorio/actorio"
)

const adminBrowserScript = "testdata/e2e/admin_browser.js"

// The stock admin UI (npm @socket.io/admin-ui's ui/dist, unchanged) in
// headless Chromium against an instrumented server: the login form refuses
// a wrong password and accepts the bcrypt-checked one; the UI lists a
// client connected before it and one connected while it watches, the
// live client's room and the event it sends; its disconnect button
// disconnects that client ("io server disconnect") and no other. The
// screenshot of the socket list goes under the test's TempDir, or to
// ADMIN_SCREENSHOT_DIR when set.
func TestAdminUIBrowser(t *testing.T) {
	requireBrowser(t)
	if _, err := os.Stat(filepath.Join(adminUIDir, "index.html")); err != nil {
		t.Fatalf("%s is missing (%v): run npm ci --no-audit --no-fund (or make deps) in the repository root", adminUIDir, err)
	}
	ctx := e2eContext(t, demoTimeout)
	srv := startAdminServer(t, actorio.AdminUIOptions{
		Auth:     &actorio.AdminUIAuth{Username: adminUser, PasswordHash: adminHash(t)},
		ServerID: "actorio-test", UIDir: adminUIDir,
	})
	shot := filepath.Join(t.TempDir(), "admin-ui.png")
	if dir := os.Getenv("ADMIN_SCREENSHOT_DIR"); dir != "" { // to keep it after the test
		shot = filepath.Join(dir, "admin-ui.png")
	}
	run, _ := runNode(t, ctx, adminBrowserScript, "admin browser", srv.url, adminUser, adminPassword, shot)
	var res struct {
		LiveID, ClientReason, LobbySockets, EventRow string
	}
	run.result(ctx, &res)

	if res.ClientReason != "io server disconnect" {
		t.Errorf("client's disconnect reason = %q, want %q", res.ClientReason, "io server disconnect")
	}
	if !strings.Contains(res.EventRow, "hello") {
		t.Errorf("events row = %q, want the client's hello", res.EventRow)
	}
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s: %d bytes, error %v; want a PNG", shot, len(png), err)
	}
	t.Logf("lobby row: %s; event row: %s", res.LobbySockets, res.EventRow)
	t.Logf("screenshot of the admin UI listing the client: %s (%d bytes)", shot, len(png))
	srv.checkNoPanic(t)
}
