package actorio

import (
	"net/http"
	"path/filepath"
	"strings"
)

// clientFiles are the socket.io-client bundles Node's serveClient serves.
var clientFiles = map[string]bool{
	"socket.io.js": true, "socket.io.js.map": true,
	"socket.io.min.js": true, "socket.io.min.js.map": true,
	"socket.io.esm.min.js": true, "socket.io.esm.min.js.map": true,
	"socket.io.msgpack.min.js": true, "socket.io.msgpack.min.js.map": true,
}

// serveClient answers GET <path>socket.io.js (and the other bundles) from
// Options.ClientDir, as Node's serveClient. It reports whether it did.
func (s *Server) serveClient(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.ClientDir == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	name, ok := strings.CutPrefix(r.URL.Path, s.Path())
	if !ok || !clientFiles[name] {
		return false
	}
	w.Header().Set("Cache-Control", "public, max-age=0")
	http.ServeFile(w, r, filepath.Join(s.opts.ClientDir, name))
	return true
}
