package actorio

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/actorio/actorio/transport"
)

// ConnectionError is a request the Engine refused (Node: the object of
// io.engine.on("connection_error", err)): Request (err.req), Code
// (err.code, 0 to 5), Message (err.message) and Context (err.context, with
// Node's keys; the refusals Node does not have name themselves in
// Context["name"]: "CONNECTION_LIMIT" for EngineOptions.Limits,
// "ORIGIN_NOT_ALLOWED" for the WebSocket Origin check). See
// EngineOptions.OnConnectionError.
type ConnectionError = transport.ConnectionError

// Engine.IO's error codes (Node: Server.errors), the Code of a
// ConnectionError.
const (
	ErrCodeUnknownTransport   = transport.CodeUnknownTransport   // "Transport unknown"
	ErrCodeUnknownSID         = transport.CodeUnknownSID         // "Session ID unknown"
	ErrCodeBadHandshakeMethod = transport.CodeBadHandshakeMethod // "Bad handshake method"
	ErrCodeBadRequest         = transport.CodeBadRequest         // "Bad request"
	ErrCodeForbidden          = transport.CodeForbidden          // "Forbidden"
	ErrCodeUnsupportedVersion = transport.CodeUnsupportedVersion // "Unsupported protocol version"
)

// connErrorCounts counts refused requests by code, for
// actorio_connection_errors_total.
type connErrorCounts [transport.CodeUnsupportedVersion + 1]atomic.Uint64

// connectionError counts and logs a refused request and hands it to
// OnConnectionError, on the request's goroutine.
func (e *Engine) connectionError(ce *transport.ConnectionError) {
	if ce.Code >= 0 && ce.Code < len(e.connErrors) {
		e.connErrors[ce.Code].Add(1)
	}
	if ce.Context["name"] == "ID_GENERATION_ERROR" {
		// The server's own doing (GenerateID), not the client's: an id it
		// must never give is an error, a refusal it chose a warning.
		err, _ := ce.Context["error"].(error)
		ev := e.log.Warn()
		if errors.Is(err, transport.ErrSIDInvalid) || errors.Is(err, transport.ErrSIDTaken) {
			ev = e.log.Error()
		}
		ev.Err(err).Str("remote", ce.Request.RemoteAddr).Msg("handshake refused: no usable session id")
	} else {
		e.log.Debug().Int("code", ce.Code).Str("message", ce.Message).Str("remote", ce.Request.RemoteAddr).Msg("request refused")
	}
	f := e.opts.OnConnectionError
	if f == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			e.log.Error().Interface("panic", r).Msg("OnConnectionError panicked")
		}
	}()
	f(*ce)
}

// sessionRequest is the handshake request as a session keeps it, once for
// all its sockets: the context's values (set by HTTP middleware) without
// its cancellation, since the session outlives the handshake's HTTP
// request; no body, which is gone (read, or hijacked with its connection)
// and would hold the connection's buffers.
func sessionRequest(r *http.Request) *http.Request {
	r = r.WithContext(context.WithoutCancel(r.Context()))
	r.Body, r.GetBody = http.NoBody, nil
	return r
}

// connErrorLabels are the code labels of actorio_connection_errors_total.
var connErrorLabels = func() (l [len(connErrorCounts{})]string) {
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

// Transport is the session's transport, for the handler's check that a
// request uses it (transport.Session).
func (r *sessionRef) Transport() string {
	if r.spawned() == nil {
		return ""
	}
	return r.user.Transport()
}
