package transport

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// Transport names, as the query parameter spells them.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Handshake describes a new client to the code that opens its session.
type Handshake struct {
	Request   *http.Request
	Transport string  // Polling or WebSocket
	Conn      *WSConn // the WebSocket, for a WebSocket handshake
}

// Opener creates the session for a handshake and returns its sid, or an
// error that refuses the client (a *RefusedError chooses the answer).
type Opener func(h Handshake) (sid string, s Session, err error)

// RefusedError refuses a handshake with an HTTP status and message, as
// Node's allowRequest does.
type RefusedError struct {
	Status  int
	Message string
}

func (e *RefusedError) Error() string { return "transport: handshake refused: " + e.Message }

// Config configures a Handler.
type Config struct {
	// MaxPayload is maxHttpBufferSize: the largest POST body or WebSocket
	// message accepted. Zero means 1,000,000 bytes.
	MaxPayload int
	// Transports lists the transports clients may use. Nil means both.
	Transports []string
	// Pool flushes WebSocket connections. Required.
	Pool *WriterPool
	// Queue bounds each WebSocket's outbound queue. Zero fields mean the
	// QueueLimits defaults.
	Queue QueueLimits
	// Open creates sessions. Required.
	Open Opener
}

// DefaultMaxPayload is Node's default maxHttpBufferSize.
const DefaultMaxPayload = 1_000_000

// Handler serves Engine.IO v4 over HTTP: polling and WebSocket. It routes
// requests to sessions by sid and reports what happens to them; every
// decision about a session is the session's.
type Handler struct {
	cfg      Config
	sessions sync.Map // sid -> Session
}

// NewHandler returns a handler for cfg.
func NewHandler(cfg Config) *Handler {
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.Transports == nil {
		cfg.Transports = []string{Polling, WebSocket}
	}
	return &Handler{cfg: cfg}
}

// Forget removes an ended session from the routing table.
func (h *Handler) Forget(sid string) { h.sessions.Delete(sid) }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	transport := q.Get("transport")
	if !slices.Contains(h.cfg.Transports, transport) {
		writeError(w, CodeUnknownTransport, "")
		return
	}
	if q.Get("EIO") != "4" {
		writeError(w, CodeUnsupportedVersion, "")
		return
	}
	isUpgrade := transport == WebSocket
	if isUpgrade && !headerHasToken(r.Header, "Upgrade", "websocket") {
		writeError(w, CodeBadRequest, "")
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		h.handshake(w, r, transport)
		return
	}
	v, ok := h.sessions.Load(sid)
	if !ok {
		writeError(w, CodeUnknownSID, "")
		return
	}
	s := v.(Session)
	switch {
	case isUpgrade:
		h.upgrade(w, r, s)
	case r.Method == http.MethodGet:
		h.poll(w, r, s)
	case r.Method == http.MethodPost:
		h.post(w, r, s)
	default:
		writeError(w, CodeBadRequest, "")
	}
}

func (h *Handler) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if r.Method != http.MethodGet {
		writeError(w, CodeBadHandshakeMethod, "")
		return
	}
	if transport == WebSocket {
		conn, err := h.acceptWebSocket(w, r)
		if err != nil {
			return
		}
		sid, s, err := h.cfg.Open(Handshake{Request: r, Transport: WebSocket, Conn: conn})
		if err != nil {
			conn.Close(ws.StatusPolicyViolation)
			return
		}
		h.sessions.Store(sid, s)
		conn.Attach(s)
		return
	}
	sid, s, err := h.cfg.Open(Handshake{Request: r, Transport: Polling})
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			writeErrorStatus(w, refused.Status, CodeForbidden, refused.Message)
			return
		}
		writeError(w, CodeForbidden, "")
		return
	}
	h.sessions.Store(sid, s)
	h.poll(w, r, s) // the session has the open packet buffered
}

func (h *Handler) upgrade(w http.ResponseWriter, r *http.Request, s Session) {
	conn, err := h.acceptWebSocket(w, r)
	if err != nil {
		return
	}
	conn.Attach(s)
	s.Tell(&WebSocketAttached{Conn: conn})
}

func (h *Handler) acceptWebSocket(w http.ResponseWriter, r *http.Request) (*WSConn, error) {
	c, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return nil, err // UpgradeHTTP has answered already
	}
	conn, err := newWSConn(c, h.cfg.Pool, h.cfg.Queue, h.cfg.MaxPayload)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return conn, nil
}

func (h *Handler) poll(w http.ResponseWriter, r *http.Request, s Session) {
	reply := make(chan PollReply, 1)
	s.Tell(&PollRequested{Reply: reply})
	select {
	case rep := <-reply:
		if rep.Status != http.StatusOK {
			writeError(w, CodeBadRequest, "")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		_, _ = w.Write(rep.Body)
	case <-s.Done():
		// The session may have answered just before it ended: prefer that.
		select {
		case rep := <-reply:
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			_, _ = w.Write(rep.Body)
		default:
			writeError(w, CodeUnknownSID, "")
		}
	case <-r.Context().Done():
		s.Tell(&PollAborted{Reply: reply})
	}
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request, s Session) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(h.cfg.MaxPayload)+1))
	if err != nil {
		writeError(w, CodeBadRequest, "")
		return
	}
	var packets []eio.Packet
	err = eio.DecodePayload(body, h.cfg.MaxPayload, func(p eio.Packet) error {
		packets = append(packets, p)
		return nil
	})
	switch {
	case errors.Is(err, eio.ErrPayloadTooLarge):
		s.Tell(&PayloadTooLarge{})
		writeErrorStatus(w, http.StatusRequestEntityTooLarge, CodeBadRequest, "payload too large")
		return
	case err != nil:
		s.Tell(&ParseFailed{Err: err})
		writeError(w, CodeBadRequest, "")
		return
	}
	done := make(chan int, 1)
	s.Tell(&PayloadPosted{Packets: packets, Done: done})
	select {
	case status := <-done:
		writePostStatus(w, status)
	case <-s.Done():
		select {
		case status := <-done:
			writePostStatus(w, status)
		default:
			writeError(w, CodeUnknownSID, "")
		}
	case <-r.Context().Done():
	}
}

func writePostStatus(w http.ResponseWriter, status int) {
	if status != http.StatusOK {
		writeError(w, CodeBadRequest, "")
		return
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = w.Write([]byte("ok"))
}

// Range calls f for every live session, as the shutdown path needs.
func (h *Handler) Range(f func(sid string, s Session)) {
	h.sessions.Range(func(k, v any) bool {
		f(k.(string), v.(Session))
		return true
	})
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}
