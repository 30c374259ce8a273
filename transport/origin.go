package transport

import "net/http"

// A browser lets any page open a WebSocket to any site, with that site's
// cookies, and lets the page read what comes back: CORS does not apply to
// WebSocket. A server that names its allowed origins (CORSOptions) must
// therefore check the Origin of WebSocket requests itself, or a foreign
// page can act as a logged-in user (cross-site WebSocket hijacking). Node's
// socket.io does not: its cors option covers HTTP requests only; a Node
// deployment checks the Origin in allowRequest.

// OriginRefusedMessage is the error message of a WebSocket request
// refused for its Origin (Node has no such check; a Node allowRequest
// that checks the Origin answers its own message).
const OriginRefusedMessage = "Origin not allowed"

// originAllowed reports whether a WebSocket request's Origin may connect:
// with CORS origins configured, only those (as the CORS headers say);
// without CORS, or with "*", any. A request without Origin is not from a
// browser page (browsers always send one on WebSocket) and passes.
func (h *Handler) originAllowed(r *http.Request) bool {
	c := h.cfg.CORS
	if c == nil || c.AnyWebSocketOrigin {
		return true
	}
	origin := r.Header.Get("Origin")
	return origin == "" || c.allowedOrigin(origin) != ""
}

// refuseOrigin answers 403 with Engine.IO's error body.
func (h *Handler) refuseOrigin(w http.ResponseWriter, r *http.Request) {
	if h.cfg.OriginRefused != nil {
		h.cfg.OriginRefused(r)
	}
	h.refuse(w, r, http.StatusForbidden, CodeForbidden, OriginRefusedMessage,
		map[string]any{"name": "ORIGIN_NOT_ALLOWED", "origin": r.Header.Get("Origin")})
}
