package actorio

// The stock UI's static files, from the npm package's ui/dist.

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// adminContentTypes are the UI's file types Go's mime table may not know
// (source maps) or may sniff.
var adminContentTypes = map[string]string{
	".map":  "application/json",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// ServeHTTP serves the stock UI's static files from UIDir at UIPath
// (index.html for UIPath itself); mount it there: mux.Handle(ui.UIPath(),
// ui). Node's instrument serves no files: the UI is hosted at
// admin.socket.io or served by the application from this same npm
// directory (ui/dist).
func (a *AdminUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, a.opts.UIPath)
	if !ok || a.opts.UIDir == "" {
		http.NotFound(w, r)
		return
	}
	if name == "" {
		name = "index.html"
	}
	clean := path.Clean("/" + name)
	if clean != "/"+name || strings.HasSuffix(name, "/") {
		http.NotFound(w, r) // no dot-dot, no directory listings
		return
	}
	file := filepath.Join(a.opts.UIDir, filepath.FromSlash(clean))
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if ct, ok := adminContentTypes[path.Ext(clean)]; ok {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=0")
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "cannot read "+clean, http.StatusInternalServerError)
		return
	}
	http.ServeContent(w, r, clean, fi.ModTime(), f)
}

// UIPath is where ServeHTTP serves the UI (AdminUIOptions.UIPath); Node
// has none: its UI is served apart.
func (a *AdminUI) UIPath() string { return a.opts.UIPath }
