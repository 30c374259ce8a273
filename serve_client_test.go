package actorio_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/andybalholm/brotli"
)

const clientDist = "node_modules/socket.io-client/dist"

// clientVersion is the npm package's version: Node's ETag.
func clientVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(clientDist, "..", "package.json"))
	if err != nil {
		t.Skipf("socket.io-client not installed (npm ci): %v", err)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version == "" {
		t.Fatalf("socket.io-client package.json: version %q, %v", pkg.Version, err)
	}
	return pkg.Version
}

// startClientServer serves dir on a real loopback port; it returns the
// host:port.
func startClientServer(t *testing.T, dir string) string {
	t.Helper()
	srv := actorio.NewServer(&actorio.Options{ClientDir: dir})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs.Listener.Addr().String()
}

// rawRequest writes one HTTP/1.1 request by hand (no client decompresses or
// negotiates anything) and returns the response with its body read.
func rawRequest(t *testing.T, addr, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testkit.Timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(testkit.Timeout)); err != nil {
		t.Fatal(err)
	}
	req := method + " " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatalf("write request: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: read response: %v", method, path, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res, body
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "":
		return body
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("deflate (zlib) body: %v", err)
		}
		r = zr
	default:
		t.Fatalf("unexpected Content-Encoding %q", encoding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", encoding, err)
	}
	return out
}

// Each bundle, in each encoding, decodes to the file's bytes, with Node's
// headers.
func TestServeClientBundles(t *testing.T) {
	etag := `"` + clientVersion(t) + `"`
	addr := startClientServer(t, clientDist)
	files := []struct{ name, contentType string }{
		{"socket.io.js", "application/javascript; charset=utf-8"},
		{"socket.io.js.map", "application/json; charset=utf-8"},
		{"socket.io.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.min.js.map", "application/json; charset=utf-8"},
		{"socket.io.esm.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.esm.min.js.map", "application/json; charset=utf-8"},
		{"socket.io.msgpack.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.msgpack.min.js.map", "application/json; charset=utf-8"},
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(clientDist, f.name))
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{"", "br", "gzip", "deflate"} {
			t.Run(fmt.Sprintf("file=%s/encoding=%s", f.name, enc), func(t *testing.T) {
				var hdr []string
				if enc != "" {
					hdr = append(hdr, "Accept-Encoding: "+enc)
				}
				res, body := rawRequest(t, addr, "GET", "/socket.io/"+f.name, hdr...)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d %q, want 200", f.name, res.StatusCode, body)
				}
				for _, h := range []struct{ key, want string }{
					{"Content-Type", f.contentType},
					{"Cache-Control", "public, max-age=0"},
					{"ETag", etag},
					{"Vary", "Accept-Encoding"},
					{"Content-Encoding", enc},
					{"Content-Length", fmt.Sprint(len(body))},
				} {
					if got := res.Header.Get(h.key); got != h.want {
						t.Errorf("GET %s: %s = %q, want %q", f.name, h.key, got, h.want)
					}
				}
				if enc != "" && len(body) >= len(want) {
					t.Errorf("GET %s %s: %d bytes, not smaller than the file's %d", f.name, enc, len(body), len(want))
				}
				if got := decode(t, enc, body); !bytes.Equal(got, want) {
					t.Errorf("GET %s %s: decoded body is %d bytes, differs from the file (%d bytes)", f.name, enc, len(got), len(want))
				}
			})
		}
	}
}

// The client's Accept-Encoding picks the body's encoding.
func TestServeClientNegotiation(t *testing.T) {
	addr := startClientServer(t, clientDist)
	tests := []struct{ in, want string }{
		{"", ""},
		{"identity", ""},
		{"gzip, deflate, br, zstd", "br"}, // Chrome's: the smallest body the client takes
		{"gzip, deflate", "gzip"},
		{"deflate", "deflate"},
		{"br;q=0.5, gzip;q=0.8", "gzip"},
		{"br;q=0, gzip;q=0, deflate", "deflate"},
		{"*", "br"},
		{"*;q=0.1, br;q=0", "gzip"},
		{"br;q=0, *", "gzip"},
		{"GZIP", "gzip"},
		{"zstd", ""},
		{"gzip;q=nonsense, deflate;q=0.1", "deflate"},
	}
	for _, tt := range tests {
		var hdr []string
		if tt.in != "" {
			hdr = append(hdr, "Accept-Encoding: "+tt.in)
		}
		res, _ := rawRequest(t, addr, "GET", "/socket.io/socket.io.min.js", hdr...)
		if got := res.Header.Get("Content-Encoding"); got != tt.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A matching If-None-Match gets 304 and no body, as Node; any other gets
// the file.
func TestServeClientNotModified(t *testing.T) {
	v := clientVersion(t)
	addr := startClientServer(t, clientDist)
	tests := []struct {
		ifNoneMatch string
		want        int
	}{
		{`"` + v + `"`, http.StatusNotModified},
		{`W/"` + v + `"`, http.StatusNotModified},
		{`"0.0.1", "` + v + `"`, http.StatusNotModified},
		{`*`, http.StatusNotModified},
		{`"0.0.1"`, http.StatusOK},
		{v, http.StatusOK}, // unquoted: not an ETag
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "HEAD"} {
			res, body := rawRequest(t, addr, method, "/socket.io/socket.io.js", "If-None-Match: "+tt.ifNoneMatch, "Accept-Encoding: gzip")
			if res.StatusCode != tt.want {
				t.Errorf("%s If-None-Match %s = %d, want %d", method, tt.ifNoneMatch, res.StatusCode, tt.want)
			}
			if tt.want == http.StatusNotModified {
				if len(body) != 0 {
					t.Errorf("%s If-None-Match %s: 304 with a %d-byte body", method, tt.ifNoneMatch, len(body))
				}
				if got := res.Header.Get("ETag"); got != `"`+v+`"` {
					t.Errorf("%s If-None-Match %s: 304 ETag = %q, want %q", method, tt.ifNoneMatch, got, `"`+v+`"`)
				}
			}
		}
	}
}

// HEAD has GET's headers and no body.
func TestServeClientHead(t *testing.T) {
	addr := startClientServer(t, clientDist)
	get, getBody := rawRequest(t, addr, "GET", "/socket.io/socket.io.esm.min.js", "Accept-Encoding: br")
	head, headBody := rawRequest(t, addr, "HEAD", "/socket.io/socket.io.esm.min.js", "Accept-Encoding: br")
	if head.StatusCode != http.StatusOK || len(headBody) != 0 {
		t.Fatalf("HEAD = %d with %d body bytes, want 200 and none", head.StatusCode, len(headBody))
	}
	for _, key := range []string{"Content-Type", "Content-Encoding", "Content-Length", "ETag", "Cache-Control", "Vary"} {
		if g, h := get.Header.Get(key), head.Header.Get(key); g != h || h == "" {
			t.Errorf("HEAD %s = %q, want GET's %q", key, h, g)
		}
	}
	if head.Header.Get("Content-Length") != fmt.Sprint(len(getBody)) {
		t.Errorf("HEAD Content-Length = %q, want %d", head.Header.Get("Content-Length"), len(getBody))
	}
}

// A ClientDir without the bundle answers 404 with a message that says
// what is missing; a directory outside an npm package gets ETags from the
// content.
func TestServeClientMissingAndUnversioned(t *testing.T) {
	dir := t.TempDir()
	js := []byte("/* not the real bundle */ var io;\n")
	if err := os.WriteFile(filepath.Join(dir, "socket.io.js"), js, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := startClientServer(t, dir)

	res, body := rawRequest(t, addr, "GET", "/socket.io/socket.io.min.js")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "socket.io.min.js") {
		t.Errorf("GET a missing bundle = %d %q, want 404 naming the file", res.StatusCode, body)
	}

	res, body = rawRequest(t, addr, "GET", "/socket.io/socket.io.js")
	etag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, js) || len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("GET socket.io.js = %d %q ETag %q, want 200, the file, a quoted ETag", res.StatusCode, body, etag)
	}
	if res, _ := rawRequest(t, addr, "GET", "/socket.io/socket.io.js", "If-None-Match: "+etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s = %d, want 304", etag, res.StatusCode)
	}
}

// With Options.CORS the bundles carry its headers, as Node runs its cors
// middleware before serving them; a preflight is answered.
func TestServeClientCORS(t *testing.T) {
	srv := actorio.NewServer(&actorio.Options{ClientDir: clientDist, EngineOptions: actorio.EngineOptions{
		CORS: &actorio.CORSOptions{Origins: []string{"https://app.example"}},
	}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	addr := hs.Listener.Addr().String()

	res, _ := rawRequest(t, addr, "GET", "/socket.io/socket.io.esm.min.js", "Origin: https://app.example", "Accept-Encoding: gzip")
	if got := res.Header.Get("Access-Control-Allow-Origin"); res.StatusCode != http.StatusOK || got != "https://app.example" {
		t.Errorf("GET with Origin = %d, Access-Control-Allow-Origin %q, want 200 and the origin", res.StatusCode, got)
	}
	if got := strings.Join(res.Header.Values("Vary"), ", "); !strings.Contains(got, "Origin") || !strings.Contains(got, "Accept-Encoding") {
		t.Errorf("Vary = %q, want Origin and Accept-Encoding", got)
	}
	res, _ = rawRequest(t, addr, "OPTIONS", "/socket.io/socket.io.esm.min.js", "Origin: https://app.example", "Access-Control-Request-Method: GET")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight = %d %v, want 204 with the origin allowed", res.StatusCode, res.Header)
	}
	res, _ = rawRequest(t, addr, "POST", "/socket.io/socket.io.js", "Content-Length: 0")
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST a bundle = %d, want 405", res.StatusCode)
	}
}
