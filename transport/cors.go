package transport

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORSOptions configures cross-origin requests, as the npm cors package does
// for the Node server. A nil *CORSOptions sends no CORS headers (Node's
// default).
type CORSOptions struct {
	// Origins lists the allowed origins; "*" allows any. Ignored when
	// AllowOrigin is set. Empty (with no AllowOrigin) means "*".
	Origins []string
	// AllowOrigin decides per request origin, instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials sends Access-Control-Allow-Credentials: true; the allowed
	// origin is then echoed, never "*".
	Credentials bool
	// Methods answers preflights. Nil means GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// AllowedHeaders answers preflights. Nil reflects the headers the
	// preflight asks for.
	AllowedHeaders []string
	// ExposedHeaders lists headers the page may read. Nil means none.
	ExposedHeaders []string
	// MaxAge is how long, in seconds, a preflight may be cached. Zero means
	// the header is left out.
	MaxAge int
	// AnyWebSocketOrigin lets WebSocket requests from any Origin through.
	// The zero value refuses a WebSocket whose Origin is not allowed above
	// with 403 "Origin not allowed" (a browser sends Origin; a request
	// without one passes): CORS does not protect WebSocket, so a foreign
	// page could otherwise use a visitor's cookies (cross-site WebSocket
	// hijacking). Node's cors option does not check WebSocket at all (Node
	// deployments check the Origin in allowRequest): true behaves as Node.
	AnyWebSocketOrigin bool
}

var defaultCORSMethods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}

// allowedOrigin returns the Access-Control-Allow-Origin value for origin,
// or "" when it is not allowed.
func (c *CORSOptions) allowedOrigin(origin string) string {
	switch {
	case c.AllowOrigin != nil:
		if origin != "" && c.AllowOrigin(origin) {
			return origin
		}
		return ""
	case len(c.Origins) == 0 || slices.Contains(c.Origins, "*"):
		if c.Credentials && origin != "" {
			return origin
		}
		return "*"
	case slices.Contains(c.Origins, origin):
		return origin
	}
	return ""
}

// apply sets the CORS headers of a response. It reports whether the request
// was a preflight, which it has answered whole.
func (c *CORSOptions) apply(w http.ResponseWriter, r *http.Request) (preflight bool) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	allow := c.allowedOrigin(origin)
	if allow != "*" {
		h.Add("Vary", "Origin")
	}
	if allow != "" {
		h.Set("Access-Control-Allow-Origin", allow)
		if c.Credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if len(c.ExposedHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
		}
	}
	if r.Method != http.MethodOptions {
		return false
	}
	methods := c.Methods
	if methods == nil {
		methods = defaultCORSMethods
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ","))
	if c.AllowedHeaders != nil {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	} else if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Headers", asked)
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}
