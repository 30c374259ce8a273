package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// Transport names, as the query parameter spells them.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Handshake describes a new client to the code that opens its session.
type Handshake struct {
	SID       string // chosen by the handler, 20 characters
	Request   *http.Request
	Transport string // Polling or WebSocket
	// Conn is the WebSocket, for a WebSocket handshake. Its 101 response
	// goes out with the first packet sent on it, which the session sends
	// at once (its open packet).
	Conn *WSConn
	// Release ends the handshake's admission (Config.Admit): once Open
	// has returned a session, the session calls it when it ends. Node has
	// none (no built-in limits).
	Release func()
	// EIO3 is set for an Engine.IO v3 client (Config.AllowEIO3); Base64
	// when it asked for binary as base64 ("b64" in its query).
	EIO3, Base64 bool
}

// Opener creates the session for a handshake, or refuses it with an error
// (answered 403).
type Opener func(h Handshake) (Session, error)

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
	// Poller reads WebSocket connections when they have input. Nil: each
	// is read by a goroutine of its own (as is a TLS one either way).
	Poller *ReadPoller
	// Queue bounds each WebSocket's outbound queue. Zero fields mean the
	// QueueLimits defaults.
	Queue QueueLimits
	// Open creates sessions. Required.
	Open Opener

	// Path is where the handler answers; other paths get 404. Empty means
	// "/engine.io/". With NoTrailingSlash false (Node's addTrailingSlash:
	// true) requests must carry the trailing slash; with it true, the path
	// with and without it both match.
	Path            string
	NoTrailingSlash bool
	// CORS, nil: no CORS headers. Cookie, nil: no cookie.
	CORS   *CORSOptions
	Cookie *CookieOptions
	// AllowRequest may refuse a handshake: a *RefusedError chooses the
	// status and message, any other error answers 403 with its text.
	AllowRequest func(r *http.Request) error
	// InitialHeaders adds headers to the handshake response (polling or
	// WebSocket upgrade); Headers to every response, as Node's
	// "initial_headers" and "headers" events.
	InitialHeaders func(h http.Header, r *http.Request)
	Headers        func(h http.Header, r *http.Request)
	// GenerateID chooses a new session's id (Node's generateId); nil means
	// NewSID. An error, or an id that is empty, longer than 256 bytes, not
	// URL-safe (A-Z a-z 0-9 - . _ ~) or already in use, refuses the
	// handshake: code 3, context {"name": "ID_GENERATION_ERROR", "error"}.
	GenerateID func(r *http.Request) (string, error)
	// OnConnectionError is told of every request refused with an
	// Engine.IO error (Node's "connection_error" event), on the request's
	// goroutine once the answer is flushed. Nil: not reported.
	OnConnectionError func(*ConnectionError)
	// Compression of polling responses. The zero value is Node's default.
	Compression CompressionOptions
	// Deflate enables permessage-deflate. Nil: off, as Node.
	Deflate *DeflateOptions

	// BodyTimeout bounds reading a polling POST's body, from the moment
	// its handler starts: a client that trickles its body is answered 400
	// and its connection closed. Zero means 10s.
	BodyTimeout time.Duration
	// AllowEIO3 accepts Engine.IO v3 clients (Socket.IO 2.x), as Node's
	// allowEIO3; false refuses them ("Unsupported protocol version").
	AllowEIO3 bool

	// WriteTimeout bounds writing a response once it is ready, per 64 KiB
	// of it: a client that stops reading its long-poll response has its
	// connection closed and does not hold the payload. The wait of a
	// long-poll GET for something to send is not counted. Zero means 10s.
	WriteTimeout time.Duration

	// Admit, when set, decides whether a handshake may open a session,
	// after AllowRequest and before anything is created for it (see
	// admission.go). Node has none: its deployments use allowRequest.
	Admit Admitter
	// OriginRefused, when set, is told of each WebSocket request refused
	// for its Origin (see origin.go), for logs and metrics; as Node's
	// "connection_error" event would be, had Node the check.
	OriginRefused func(r *http.Request)
}

// Defaults used where a Config field is zero.
const (
	// DefaultMaxPayload is Node's default maxHttpBufferSize.
	DefaultMaxPayload = 1_000_000
	// DefaultBodyTimeout and DefaultHTTPWriteTimeout are BodyTimeout's and
	// WriteTimeout's.
	DefaultBodyTimeout      = 10 * time.Second
	DefaultHTTPWriteTimeout = 10 * time.Second
)

// Handler serves Engine.IO v4 (and v3 with AllowEIO3) over HTTP: polling
// and WebSocket. It routes requests to sessions by sid and reports what
// happens to them; every decision about a session is the session's.
type Handler struct {
	cfg      Config
	sessions sync.Map // sid -> Session, or *opening while it is opened
	posting  sync.Map // Session -> struct{}: a POST in progress
}

// NewHandler returns a handler for cfg.
func NewHandler(cfg Config) *Handler {
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.Transports == nil {
		cfg.Transports = []string{Polling, WebSocket}
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultHTTPWriteTimeout
	}
	cfg.Path = strings.TrimSuffix(cfg.Path, "/")
	if cfg.Path == "" {
		cfg.Path = "/engine.io"
	}
	if !cfg.NoTrailingSlash {
		cfg.Path += "/"
	}
	return &Handler{cfg: cfg}
}

// Path is the path the handler answers at, for mounting it on a mux.
func (h *Handler) Path() string { return h.cfg.Path }

// matches applies Node's path check: the configured path is a prefix.
func (h *Handler) matches(path string) bool {
	return strings.HasPrefix(path, h.cfg.Path)
}

// Forget removes an ended session from the routing table.
func (h *Handler) Forget(sid string) { h.sessions.Delete(sid) }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.matches(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	// Every request is bounded here, whatever the server's own timeouts:
	// a long-poll GET may wait a whole ping interval before it is
	// answered, which a server-wide ReadTimeout or WriteTimeout shorter
	// than that would cut. A body gets BodyTimeout, whether post reads it
	// or net/http discards it after an early answer (which then waits for
	// that); an answer gets WriteTimeout; poll sets its own. A
	// ResponseWriter that cannot set deadlines leaves the server's.
	rc := http.NewResponseController(w)
	write := time.Now().Add(h.cfg.WriteTimeout)
	if r.ContentLength == 0 { // no body (-1: one of unknown length)
		_ = rc.SetReadDeadline(time.Time{})
	} else {
		body := time.Now().Add(h.cfg.BodyTimeout)
		_ = rc.SetReadDeadline(body)
		write = body.Add(h.cfg.WriteTimeout)
	}
	_ = rc.SetWriteDeadline(write)
	if h.cfg.Headers != nil {
		h.cfg.Headers(w.Header(), r)
	}
	if h.cfg.CORS != nil && h.cfg.CORS.apply(w, r) {
		return // a preflight, answered
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !slices.Contains(h.cfg.Transports, transport) {
		h.refuse(w, r, 0, CodeUnknownTransport, "", map[string]any{"transport": transport})
		return
	}
	// As Node: any EIO but "4" is protocol 3.
	v3 := q.Get("EIO") != "4"
	if v3 && !h.cfg.AllowEIO3 {
		h.refuse(w, r, 0, CodeUnsupportedVersion, "", map[string]any{"protocol": 3})
		return
	}
	isUpgrade := transport == WebSocket
	badUpgrade := isUpgrade && !headerHasToken(r.Header, "Upgrade", "websocket")
	if isUpgrade && !h.originAllowed(r) {
		h.refuseOrigin(w, r)
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		if badUpgrade {
			h.refuse(w, r, 0, CodeBadRequest, "", map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"})
			return
		}
		h.handshake(w, r, rc, transport, v3)
		return
	}
	s := h.lookup(r, sid)
	if s == nil {
		h.refuse(w, r, 0, CodeUnknownSID, "", map[string]any{"sid": sid})
		return
	}
	if h.cfg.AllowEIO3 {
		var sv3 bool
		if s, sv3 = unwrapEIO3(s); sv3 != v3 {
			h.refuse(w, r, 0, CodeBadRequest, "", map[string]any{"name": "PROTOCOL_MISMATCH"})
			return
		}
	}
	// As Node, after the sid's check: a request that is not an upgrade
	// uses the session's transport.
	if !isUpgrade || badUpgrade {
		prev := ""
		if ts, ok := s.(interface{ Transport() string }); ok {
			prev = ts.Transport()
		}
		if badUpgrade || prev != "" && prev != transport {
			ctx := map[string]any{"name": "TRANSPORT_MISMATCH", "transport": transport}
			if prev != "" {
				ctx["previousTransport"] = prev
			}
			h.refuse(w, r, 0, CodeBadRequest, "", ctx)
			return
		}
	}
	switch {
	case isUpgrade:
		h.upgrade(w, r, s, v3)
	case r.Method == http.MethodGet:
		h.poll(w, r, rc, s, v3 && q.Has("j"))
	case r.Method == http.MethodPost:
		h.post(w, r, rc, s, v3)
	default:
		h.refuse(w, r, 0, CodeBadRequest, "", map[string]any{"name": "BAD_METHOD", "method": r.Method})
	}
}

func (h *Handler) handshake(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, transport string, v3 bool) {
	if r.Method != http.MethodGet {
		h.refuse(w, r, 0, CodeBadHandshakeMethod, "", map[string]any{"method": r.Method})
		return
	}
	if h.cfg.AllowRequest != nil {
		if err := h.cfg.AllowRequest(r); err != nil {
			status, message := http.StatusForbidden, err.Error()
			var refused *RefusedError
			if errors.As(err, &refused) {
				status, message = refused.Status, refused.Message
			}
			h.refuse(w, r, status, CodeForbidden, message, map[string]any{"message": message})
			return
		}
	}
	release, ok := h.admit(w, r)
	if !ok {
		return
	}
	// The sid is chosen before the response goes out, so the cookie and
	// the initial headers can carry it on either transport.
	sid, o, err := h.newSID(r)
	if err != nil {
		release()
		h.refuse(w, r, 0, CodeBadRequest, "", idError(err))
		return
	}
	headers := http.Header{}
	if h.cfg.Cookie != nil {
		h.cfg.Cookie.set(headers, sid)
	}
	if h.cfg.InitialHeaders != nil {
		h.cfg.InitialHeaders(headers, r)
	}
	if transport == WebSocket {
		conn, err := h.acceptWebSocket(w, r, headers, true)
		if err != nil {
			h.abandon(sid, o)
			release()
			return
		}
		b64 := v3 && conn.setEIO3(r)
		s, err := h.cfg.Open(Handshake{SID: sid, Request: r, Transport: WebSocket, Conn: conn, Release: release, EIO3: v3, Base64: b64})
		if err != nil {
			h.abandon(sid, o)
			release()
			conn.Close(ws.StatusPolicyViolation)
			h.report(r, openErrorCode(err), openErrorContext(err))
			return
		}
		h.register(sid, o, s, v3)
		conn.Attach(s)
		return
	}
	q := r.URL.Query()
	jsonp := v3 && q.Has("j") // JSONP takes text only, as if "b64"
	s, err := h.cfg.Open(Handshake{SID: sid, Request: r, Transport: Polling, Release: release, EIO3: v3, Base64: v3 && (q.Has("b64") || jsonp)})
	if err != nil {
		h.abandon(sid, o)
		release()
		code := openErrorCode(err)
		message := ""
		if code == CodeForbidden {
			message = err.Error()
		}
		h.refuse(w, r, 0, code, message, openErrorContext(err))
		return
	}
	for k, v := range headers {
		w.Header()[k] = append(w.Header()[k], v...)
	}
	h.register(sid, o, s, v3)
	h.poll(w, r, rc, s, jsonp) // the session has the open packet buffered
}

// opening holds a sid in the routing table from the moment it is chosen
// until its session is registered: a WebSocket session sends its open
// packet before Open returns, so a request carrying the sid may come
// first, and it waits for the session rather than find the sid unknown;
// a handshake that GenerateID gives the same id finds it taken.
type opening struct{ ready chan struct{} }

// register routes sid to s in place of its reservation. A session that
// ended before (Forget took the reservation, or it is done now) is not
// left behind in the table.
func (h *Handler) register(sid string, o *opening, s Session, v3 bool) {
	var v any = s
	if v3 {
		v = eio3Session{s}
	}
	if h.sessions.CompareAndSwap(sid, o, v) {
		select {
		case <-s.Done():
			h.sessions.CompareAndDelete(sid, v)
		default:
		}
	}
	close(o.ready)
}

// abandon frees the sid of a handshake that opened no session.
func (h *Handler) abandon(sid string, o *opening) {
	h.sessions.CompareAndDelete(sid, o)
	close(o.ready)
}

// lookup finds sid's session, waiting for one still opening; nil when the
// sid is unknown or r ends first.
func (h *Handler) lookup(r *http.Request, sid string) Session {
	v, _ := h.sessions.Load(sid)
	if o, ok := v.(*opening); ok {
		select {
		case <-o.ready:
		case <-r.Context().Done():
			return nil
		}
		v, _ = h.sessions.Load(sid)
	}
	s, _ := v.(Session)
	return s
}

func (h *Handler) upgrade(w http.ResponseWriter, r *http.Request, s Session, v3 bool) {
	conn, err := h.acceptWebSocket(w, r, nil, false)
	if err != nil {
		return
	}
	if v3 {
		conn.setEIO3(r)
	}
	// Attached first: the reader Attach starts may report the probe at once,
	// and the session must know the connection by then.
	s.Tell(&WebSocketAttached{Conn: conn})
	conn.Attach(s)
}

// acceptWebSocket upgrades r. With hold (a handshake, whose session sends
// its open packet at once) the 101 response waits for the connection's
// first frame and goes out in the same write; an upgrade's is written at
// once, its client waiting for it to send the probe.
func (h *Handler) acceptWebSocket(w http.ResponseWriter, r *http.Request, headers http.Header, hold bool) (*WSConn, error) {
	up := ws.HTTPUpgrader{Header: headers}
	var ext *wsflate.Extension
	if h.cfg.Deflate != nil {
		ext = h.cfg.Deflate.extension()
		up.Negotiate = ext.Negotiate
	}
	var held *heldResponse
	if hold {
		held = &heldResponse{ResponseWriter: w}
		w = held
	}
	c, rw, _, err := up.Upgrade(r, w)
	if err != nil {
		// Upgrade has answered (to held, with hold); a connection it
		// hijacked is ours to close, or it stays open, unread.
		if c != nil {
			if held != nil {
				_, _ = c.Write(held.held.Bytes())
			}
			_ = c.Close()
		}
		return nil, err
	}
	var pending []byte
	if rw != nil && rw.Reader.Buffered() > 0 { // a client that wrote past its handshake
		pending, _ = rw.Reader.Peek(rw.Reader.Buffered())
		pending = bytes.Clone(pending)
	}
	var deflate *DeflateOptions
	if ext != nil {
		if _, ok := ext.Accepted(); ok {
			deflate = h.cfg.Deflate
		}
	}
	conn, err := NewWSConn(c, h.cfg.Pool, h.cfg.Queue, h.cfg.MaxPayload, deflate)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	conn.pending = pending
	conn.poller = h.cfg.Poller
	if held != nil {
		conn.out.Preface(held.held.Bytes())
	}
	return conn, nil
}

// poll answers a GET; jsonp wraps the answer for a v3 JSONP client.
func (h *Handler) poll(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, s Session, jsonp bool) {
	// Waiting for something to send is not writing: no deadline until
	// the reply is ready (an HTTP/2 stream is reset by one that expires).
	_ = rc.SetWriteDeadline(time.Time{})
	reply := make(chan PollReply, 1)
	s.Tell(&PollRequested{Reply: reply})
	answer := func(rep PollReply) {
		if rep.Status != http.StatusOK {
			h.armWrite(rc)
			writeError(w, CodeBadRequest, "")
			return
		}
		h.writePoll(w, r, rc, rep, jsonp)
	}
	select {
	case rep := <-reply:
		answer(rep)
	case <-s.Done():
		// The session may have answered just before it ended: prefer that,
		// a refusal included (select picks either when both are ready).
		select {
		case rep := <-reply:
			answer(rep)
		default:
			h.armWrite(rc)
			writeError(w, CodeUnknownSID, "")
		}
	case <-r.Context().Done():
		s.Tell(&PollAborted{Reply: reply})
	}
}

// armWrite gives the response WriteTimeout from now.
func (h *Handler) armWrite(rc *http.ResponseController) {
	_ = rc.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
}

// writeChunk is how much of a poll response is written under one deadline.
const writeChunk = 64 << 10

func (h *Handler) writePoll(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, rep PollReply, jsonp bool) {
	if jsonp {
		rep.Body = jsonpWrap(r, rep.Body)
	}
	body, encoding := h.cfg.Compression.encode(r, rep.Body)
	if rep.Binary { // an Engine.IO v3 binary payload
		w.Header().Set("Content-Type", "application/octet-stream")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	}
	if encoding != "" {
		w.Header().Set("Content-Encoding", encoding)
		w.Header().Add("Vary", "Accept-Encoding")
	}
	// Each chunk gets WriteTimeout: a slow client that keeps reading gets
	// its whole payload, one that stops reading is cut and the payload
	// released. The last chunk is flushed after return, under its deadline.
	for {
		n := min(len(body), writeChunk)
		h.armWrite(rc)
		if _, err := w.Write(body[:n]); err != nil || n == len(body) {
			return
		}
		body = body[n:]
	}
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, s Session, v3 bool) {
	// The body has BodyTimeout (see ServeHTTP); the answer WriteTimeout
	// once it is ready.
	_ = rc.SetWriteDeadline(time.Time{})
	// A client posts one payload at a time: it waits for "ok". A second
	// POST meanwhile would get round the inbound bound (holdPost); Node
	// refuses it too ("data request overlap from client").
	if _, busy := h.posting.LoadOrStore(s, struct{}{}); busy {
		s.Tell(&PostOverlapped{})
		writeError(w, CodeBadRequest, "")
		return
	}
	defer h.posting.Delete(s)
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(h.cfg.MaxPayload)+1))
	h.armWrite(rc)
	if err != nil {
		// The expired deadline stays: net/http must not wait for the rest
		// of a trickled body before it closes the connection.
		w.Header().Set("Connection", "close")
		writeError(w, CodeBadRequest, "")
		return
	}
	if len(body) <= h.cfg.MaxPayload {
		// Read to its end: net/http's background read for a client that
		// goes away needs no deadline. Past the limit, what net/http
		// discards of the rest stays bounded.
		_ = rc.SetReadDeadline(time.Time{})
	}
	var packets []eio.Packet
	if v3 {
		packets, err = decodeEIO3Post(r, body, h.cfg.MaxPayload)
	} else {
		err = eio.DecodePayload(body, h.cfg.MaxPayload, func(p eio.Packet) error {
			packets = append(packets, p)
			return nil
		})
	}
	if err == nil && !v3 && !utf8.Valid(body) {
		// A polling payload is text, as a WebSocket text message: checked
		// once here, before any packet of it is relayed.
		err = ErrInvalidUTF8
	}
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
	in := s.Inbound()
	credits := make([]Credit, len(packets))
	for i, p := range packets {
		credits[i] = in.Acquire(len(p.Data))
	}
	done := make(chan int, 1)
	s.Tell(&PayloadPosted{Packets: packets, Credits: credits, Done: done})
	select {
	case status := <-done:
		if status == http.StatusOK {
			h.holdPost(r, s)
		}
		h.armWrite(rc) // anew: the session's handlers, and the hold, may have taken a while
		writePostStatus(w, status)
	case <-s.Done():
		h.armWrite(rc)
		select {
		case status := <-done:
			writePostStatus(w, status)
		default:
			writeError(w, CodeUnknownSID, "")
		}
	case <-r.Context().Done():
	}
}

// holdPost keeps a POST's "ok" while the session's inbound backlog is past
// its limits: the client sends its next POST only after it, so a client
// that posts faster than its handlers run is slowed, as TCP slows a
// WebSocket one. The hold lasts one stall period at most (less than a GET
// may wait, a ping interval, so HTTP timeouts that fit long-polling fit
// it); a hold in which nothing drained is reported to the session.
func (h *Handler) holdPost(r *http.Request, s Session) {
	in := s.Inbound()
	if !in.Over() {
		return
	}
	s.Tell(&InboundPaused{})
	ctx, cancel := context.WithTimeout(r.Context(), in.Stall())
	defer cancel()
	if err := in.Wait(ctx); errors.Is(err, ErrInboundStalled) {
		s.Tell(&InboundStalled{})
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
