package transport

import (
	"net/http"
	"strconv"
)

// Engine.IO's HTTP error codes, answered as {"code":N,"message":"..."}.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var codeMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// writeError answers as the Node server does: 403 for Forbidden, 400 for
// every other code, with the JSON error body.
func writeError(w http.ResponseWriter, code int, message string) {
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	writeErrorStatus(w, status, code, message)
}

func writeErrorStatus(w http.ResponseWriter, status, code int, message string) {
	if message == "" {
		message = codeMessages[code]
	}
	body := append([]byte(`{"code":`), strconv.Itoa(code)...)
	body = append(body, `,"message":`...)
	body = strconv.AppendQuote(body, message)
	body = append(body, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body))) // whole, even when flushed early
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
