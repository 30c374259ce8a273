package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ConnectionError describes a request the handler refused (Node: the
// object of engine.io's "connection_error" event).
type ConnectionError struct {
	// Request is the refused request (Node: err.req). Its body is not to
	// be read.
	Request *http.Request
	// Code is Engine.IO's error code (Node: err.code): 0 unknown
	// transport, 1 unknown session id, 2 bad handshake method, 3 bad
	// request, 4 forbidden, 5 unsupported protocol version.
	Code int
	// Message is the code's text, as Node's err.message: "Transport
	// unknown", "Session ID unknown", "Bad handshake method", "Bad
	// request", "Forbidden", "Unsupported protocol version".
	Message string
	// Context holds the details, with Node's keys (err.context):
	// {"transport"} for code 0, {"sid"} for 1, {"method"} for 2, and for 3
	// {"name": "TRANSPORT_HANDSHAKE_ERROR"} (a WebSocket handshake without
	// Upgrade), {"name": "TRANSPORT_MISMATCH", "transport",
	// "previousTransport"} (a request on a transport its session does not
	// use), {"name": "ID_GENERATION_ERROR", "error"} or {"name":
	// "BAD_METHOD", "method"} (Actorio's own: a method other than GET and
	// POST); {"message"} for 4, {"protocol"} for 5.
	Context map[string]any
}

func (e ConnectionError) Error() string {
	return "eio: connection error " + strconv.Itoa(e.Code) + " (" + e.Message + ")"
}

// Errors a session id chosen by Config.GenerateID can have; the handshake
// is refused (code 3, "ID_GENERATION_ERROR").
var (
	ErrSIDInvalid = errors.New("transport: session id must be 1 to 256 URL-safe characters (A-Z a-z 0-9 - . _ ~)")
	ErrSIDTaken   = errors.New("transport: session id already in use")
)

// maxSIDLen bounds a generated session id: it travels in every request's
// query and names the session's actor.
const maxSIDLen = 256

// validSID reports whether sid is 1 to maxSIDLen characters of RFC 3986's
// unreserved set, which needs no escaping in a URL or a cookie.
func validSID(sid string) bool {
	if len(sid) == 0 || len(sid) > maxSIDLen {
		return false
	}
	for i := 0; i < len(sid); i++ {
		c := sid[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// newSID returns the id of the session r opens (NewSID's, or
// Config.GenerateID's once checked), reserved in the routing table until
// register or abandon.
func (h *Handler) newSID(r *http.Request) (string, *opening, error) {
	sid := ""
	if h.cfg.GenerateID == nil {
		sid = NewSID()
	} else {
		var err error
		sid, err = h.cfg.GenerateID(r)
		switch {
		case err != nil:
			return "", nil, fmt.Errorf("transport: GenerateID: %w", err)
		case !validSID(sid):
			return "", nil, fmt.Errorf("%w: GenerateID returned %q", ErrSIDInvalid, sid)
		}
	}
	o := &opening{ready: make(chan struct{})}
	if _, taken := h.sessions.LoadOrStore(sid, o); taken {
		return "", nil, fmt.Errorf("%w: %q", ErrSIDTaken, sid)
	}
	return sid, o, nil
}

// refuse answers r with Engine.IO's error (status 0 means 403 for code 4,
// 400 for the others; message "" means the code's text) and reports it,
// once the response is flushed: the callback does not keep the client
// waiting.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status, code int, message string, context map[string]any) {
	if status == 0 {
		status = http.StatusBadRequest
		if code == CodeForbidden {
			status = http.StatusForbidden
		}
	}
	writeErrorStatus(w, status, code, message)
	if h.cfg.OnConnectionError != nil {
		_ = http.NewResponseController(w).Flush()
		h.report(r, code, context)
	}
}

// report calls Config.OnConnectionError, if any, for a refused request.
func (h *Handler) report(r *http.Request, code int, context map[string]any) {
	if h.cfg.OnConnectionError != nil {
		h.cfg.OnConnectionError(&ConnectionError{Request: r, Code: code, Message: codeMessages[code], Context: context})
	}
}

// idError is the context of a handshake refused for its session id.
func idError(err error) map[string]any {
	return map[string]any{"name": "ID_GENERATION_ERROR", "error": err}
}

// openErrorCode is the code of a handshake the Opener refused: 3 for an id
// already in use (two handshakes raced for it), else 4.
func openErrorCode(err error) int {
	if errors.Is(err, ErrSIDTaken) {
		return CodeBadRequest
	}
	return CodeForbidden
}

func openErrorContext(err error) map[string]any {
	if errors.Is(err, ErrSIDTaken) {
		return idError(err)
	}
	return map[string]any{"message": err.Error()}
}
