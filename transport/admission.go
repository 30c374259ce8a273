package transport

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Admitter decides whether a handshake may open a session (connection
// limits), as Node's allowRequest does, but with a release when the
// session ends (Node deployments count open connections themselves, in
// allowRequest and on the socket's "close"). It returns a release func, called exactly once: by the Handler
// if the handshake fails before Open returns a session, else by that
// session when it ends (Handshake.Release). A *RefusedError refuses with
// its status and message (with a RetryAfter, a Retry-After header too);
// any other error refuses with 403.
type Admitter func(r *http.Request) (release func(), err error)

// RetryAfter, implemented by a refusal, tells the client when to try
// again (the Retry-After header; Node's allowRequest cannot set one).
type RetryAfter interface{ RetryAfter() time.Duration }

// admit runs Config.Admit. Refused, it has answered the request.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	if h.cfg.Admit == nil {
		return func() {}, true
	}
	release, err := h.cfg.Admit(r)
	if err == nil {
		return release, true
	}
	var ra RetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		secs := int64((ra.RetryAfter() + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	status, message := http.StatusForbidden, err.Error()
	var refused *RefusedError
	if errors.As(err, &refused) {
		status, message = refused.Status, refused.Message
	}
	h.refuse(w, r, status, CodeForbidden, message, map[string]any{"name": "CONNECTION_LIMIT", "message": message})
	return nil, false
}
