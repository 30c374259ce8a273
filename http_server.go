package actorio

import (
	"net/http"
	"time"
)

// NewHTTPServer returns an http.Server for h (an Engine, a Server, or a mux
// that mounts them) with the timeouts that suit Engine.IO:
//
//   - ReadHeaderTimeout 10s: a client must send its request headers in time.
//   - IdleTimeout 30s: a keep-alive connection waiting for its next request
//     is closed after that, so idle clients cannot hold sockets and
//     goroutines. Polling clients send their next request at once.
//   - ReadTimeout and WriteTimeout stay zero: they would cover a long-poll
//     GET, which may wait a whole ping interval before it is answered. The
//     Engine bounds its own requests instead (EngineOptions.HTTPBodyTimeout
//     and HTTPWriteTimeout), and overrides these two for them if they are
//     set, so other handlers on the same server may use them.
//
// Engine.ListenAndServe and actorio-server use it. Change fields before
// serving to tune them.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
}
