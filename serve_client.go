package actorio

// Serving the socket.io-client bundles, as Node's serveClient (socket.io
// lib/index.ts serve and sendFile): the same files, Content-Type,
// Cache-Control and ETag, a 304 on a matching If-None-Match, and br, gzip
// or deflate bodies. Unlike Node, each file is read and compressed once
// and the bytes are kept: a request costs a map lookup and a write.

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// clientFiles are the socket.io-client bundles Node's serveClient serves.
var clientFiles = map[string]bool{
	"socket.io.js": true, "socket.io.js.map": true,
	"socket.io.min.js": true, "socket.io.min.js.map": true,
	"socket.io.esm.min.js": true, "socket.io.esm.min.js.map": true,
	"socket.io.msgpack.min.js": true, "socket.io.msgpack.min.js.map": true,
}

// contentEncoding is one of the bodies a client file is sent with.
type contentEncoding int

const (
	encIdentity contentEncoding = iota
	encBrotli
	encGzip
	encDeflate
	numEncodings
)

// encodingNames are the Content-Encoding tokens, in the server's order of
// preference when the client weighs them equally.
var encodingNames = [numEncodings]string{encIdentity: "", encBrotli: "br", encGzip: "gzip", encDeflate: "deflate"}

// clientBundle caches the files of one ClientDir.
type clientBundle struct {
	dir string

	versionOnce sync.Once
	version     string // the npm package's version, Node's ETag; "" if unknown

	mu    sync.Mutex
	files map[string]*clientFile
}

// clientFile is one bundle's bytes, and each encoding of them once asked
// for.
type clientFile struct {
	etag        string // quoted
	contentType string
	bodies      [numEncodings]encodedBody
}

type encodedBody struct {
	once sync.Once
	b    []byte
	err  error
}

// serveClient answers GET and HEAD <path>socket.io.js (and the other
// bundles) from Options.ClientDir, as Node's serveClient, with the CORS
// headers of Options.CORS. It reports whether it did.
func (s *Server) serveClient(w http.ResponseWriter, r *http.Request) bool {
	if s.client == nil {
		return false
	}
	name, ok := strings.CutPrefix(r.URL.Path, s.Path())
	if !ok || !clientFiles[name] {
		return false
	}
	// CORS first, as Node: a page on another origin may load the ESM bundle.
	if s.opts.CORS != nil && s.opts.CORS.Apply(w, r) {
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "actorio: client bundles answer GET and HEAD", http.StatusMethodNotAllowed)
		return true
	}
	// Node compares If-None-Match with its version before it opens the file.
	if v := s.client.packageVersion(); v != "" && etagMatches(r.Header.Get("If-None-Match"), `"`+v+`"`) {
		notModified(w, `"`+v+`"`)
		return true
	}
	f, err := s.client.file(name)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, fs.ErrNotExist) {
			status = http.StatusNotFound
		}
		// Debug, not warn: any client can ask for a missing file, and the
		// answer already says what is wrong.
		s.opts.Logger.Debug().Str("file", name).Err(err).Msg("client bundle not served")
		http.Error(w, err.Error(), status)
		return true
	}
	if etagMatches(r.Header.Get("If-None-Match"), f.etag) {
		notModified(w, f.etag)
		return true
	}
	enc := negotiateEncoding(r.Header.Get("Accept-Encoding"))
	body, err := f.body(enc)
	if err != nil { // a compressor failed: the plain bytes are never wrong
		s.opts.Logger.Warn().Str("file", name).Str("encoding", encodingNames[enc]).Err(err).Msg("client bundle sent uncompressed")
		enc = encIdentity
		body, _ = f.body(encIdentity)
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=0")
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Add("Vary", "Accept-Encoding")
	if enc != encIdentity {
		h.Set("Content-Encoding", encodingNames[enc])
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

// notModified answers 304 with the headers a 200 would carry that matter
// to a cache (RFC 9110 15.4.5); Node sends none of them, which is allowed.
func notModified(w http.ResponseWriter, etag string) {
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=0")
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(http.StatusNotModified)
}

func newClientBundle(dir string) *clientBundle {
	if dir == "" {
		return nil
	}
	return &clientBundle{dir: dir, files: map[string]*clientFile{}}
}

// packageVersion reads the version of the npm package the dist directory
// belongs to (<dir>/../package.json), as Node's ETag is its package's
// version.
func (c *clientBundle) packageVersion() string {
	c.versionOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(c.dir, "..", "package.json"))
		if err != nil {
			return
		}
		var pkg struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &pkg) == nil && pkg.Version != "" && !strings.ContainsAny(pkg.Version, "\"\r\n") {
			c.version = pkg.Version
		}
	})
	return c.version
}

// file returns a bundle, read on first use. A failed read is not kept: the
// next request tries again (npm install may have run meanwhile).
func (c *clientBundle) file(name string) (*clientFile, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.files[name]; ok {
		return f, nil
	}
	raw, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		return nil, fmt.Errorf("actorio: socket.io-client bundle %s: %w (Options.ClientDir is %q: install the npm package socket.io-client)", name, err, c.dir)
	}
	f := &clientFile{contentType: "application/javascript; charset=utf-8"}
	if strings.HasSuffix(name, ".map") {
		f.contentType = "application/json; charset=utf-8"
	}
	if v := c.packageVersion(); v != "" {
		f.etag = `"` + v + `"`
	} else { // not from an npm package: an ETag from the content
		sum := sha256.Sum256(raw)
		f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	}
	f.bodies[encIdentity].once.Do(func() { f.bodies[encIdentity].b = raw })
	c.files[name] = f
	return f, nil
}

// body returns the file in an encoding, compressed the first time it is
// asked for (that request waits for it).
func (f *clientFile) body(enc contentEncoding) ([]byte, error) {
	e := &f.bodies[enc]
	e.once.Do(func() { e.b, e.err = compress(enc, f.bodies[encIdentity].b) })
	return e.b, e.err
}

func compress(enc contentEncoding, raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case encBrotli:
		// Quality 6, not Node's 11: within 10% of its size at a
		// twentieth of the time (11 takes seconds on the source maps).
		w = brotli.NewWriterLevel(&buf, brotli.DefaultCompression)
	case encGzip:
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	case encDeflate: // HTTP's deflate is the zlib format, as Node's createDeflate
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
	default:
		return raw, nil
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// etagMatches applies If-None-Match's weak comparison: Node accepts the
// ETag and its W/ form; a list and "*" are accepted too (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// negotiateEncoding picks br, gzip or deflate from Accept-Encoding, as
// Node's accepts(req).encodings(["br", "gzip", "deflate"]): the highest
// q-value wins, an exact token beats "*", q=0 refuses. On a tie Node takes
// the one the client listed first; this takes the smallest body (br, then
// gzip, then deflate), as the newer negotiator's preferred order does.
// None acceptable: identity.
func negotiateEncoding(header string) contentEncoding {
	best, bestQ, bestExact := encIdentity, 0.0, false
	for enc := encBrotli; enc < numEncodings; enc++ {
		q, exact, ok := acceptQuality(header, encodingNames[enc])
		if !ok || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && exact && !bestExact) {
			best, bestQ, bestExact = enc, q, exact
		}
	}
	return best
}

// acceptQuality is the q-value Accept-Encoding gives token: an exact entry
// wins over "*" whatever their order (negotiator's specificity).
func acceptQuality(header, token string) (q float64, exact, ok bool) {
	for entry := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(entry), ";")
		name = strings.TrimSpace(name)
		isExact := strings.EqualFold(name, token)
		if !isExact && name != "*" {
			continue
		}
		if ok && exact && !isExact {
			continue // an exact entry outranks "*"
		}
		eq := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0 // unreadable: not acceptable (Node's parseFloat gives NaN, never chosen)
				}
				eq = f
				break
			}
		}
		if !ok || isExact && !exact || eq > q {
			q, exact, ok = eq, isExact, true
		}
	}
	return q, exact, ok
}
