package actorio

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/internal/workers"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// EngineHandler receives a bare Engine.IO server's events. Its methods run
// inside the session's actor, one at a time per session: they must not
// block.
type EngineHandler = actors.EngineHandler

// EngineSession is one Engine.IO session; its methods are safe from any
// goroutine.
type EngineSession = actors.EngineSession

// EngineUpgradeHandler is implemented by an EngineHandler that wants to know
// when a session has moved from polling to WebSocket.
type EngineUpgradeHandler = actors.EngineUpgradeHandler

// EngineDirectReceiver is an Engine handler's short path: installed with
// EngineSession.SetDirect, it takes WebSocket messages on the goroutine
// that read them, while the session has handled every packet before them,
// so they skip the session actor (see actors.DirectReceiver).
type EngineDirectReceiver = actors.DirectReceiver

// EnginePacket is one Engine.IO packet, as the packet hooks see it.
type EnginePacket = eio.Packet

// Options shared with the transport, documented there.
type (
	CORSOptions        = transport.CORSOptions
	CookieOptions      = transport.CookieOptions
	CompressionOptions = transport.CompressionOptions
	DeflateOptions     = transport.DeflateOptions
	QueueLimits        = transport.QueueLimits
	// RefusedError, returned by AllowRequest, refuses a handshake with a
	// status and message.
	RefusedError = transport.RefusedError
)

// EngineOptions configures an Engine. A nil *EngineOptions means defaults;
// every zero field means its documented default, as in Node's engine.io.
// Node's initialPacket has no equivalent: a message an EngineHandler's
// OnOpen sends goes out right after the open packet, and Socket.IO needs none.
type EngineOptions struct {
	// PingInterval is how often the server pings. Zero means 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong after a ping
	// before it closes the session, exactly. Zero means 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds an upgrade to WebSocket. Zero means 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest POST body or WebSocket message.
	// Zero means 1,000,000 bytes.
	MaxHTTPBufferSize int
	// Transports lists the transports allowed. Nil means polling and
	// websocket.
	Transports []string
	// AllowEIO3 accepts Engine.IO v3 clients: Socket.IO 2.x
	// (socket.io-client 2.x, engine.io-client 3.x), over polling (XHR,
	// XHR2 binary payloads, JSONP) and WebSocket. As in Node, any EIO but
	// "4", or none, is then protocol 3. The zero value refuses them with
	// "Unsupported protocol version" (code 5), as Node. Node: allowEIO3.
	AllowEIO3 bool
	// DisallowUpgrades refuses upgrades from polling to WebSocket. The zero
	// value allows them, as Node's allowUpgrades: true.
	DisallowUpgrades bool
	// QueueLimits bounds each WebSocket's outbound queue. Zero fields mean
	// the QueueLimits defaults (soft 1 MiB / 4096 frames, hard 8 MiB /
	// 65536 frames). Past soft, volatile packets are dropped and the
	// slow-consumer grace period starts; past hard, the session is closed
	// at once ("transport error"), so memory per client stays bounded.
	QueueLimits QueueLimits
	// SlowConsumerGrace is how long a WebSocket may stay past its queue's
	// soft limit before the session is closed ("transport error", slow
	// consumer). Zero means 2s; negative closes at the first crossing.
	// A burst a healthy client is reading does not outlast the grace.
	// A polling client's buffer follows the same limits and grace.
	SlowConsumerGrace time.Duration
	// InboundLimits bound each session's inbound backlog: the messages
	// received from its client whose handling has not finished (for the
	// Socket.IO server, until the socket's handler for the event has run;
	// the namespaces a client multiplexes on one connection share it, as
	// they share its TCP stream). Zero fields mean 256 messages and 4 MiB.
	// Node has no equivalent.
	// A handler that waits for its own client (EmitWithAck) keeps its
	// event counted meanwhile, and the answer may be unread behind a
	// paused backlog: keep Messages well above what a client has in
	// flight at once (a stuck pause ends as InboundPolicy says).
	InboundLimits InboundLimits
	// InboundPolicy is what happens past InboundLimits. The zero value,
	// InboundPause, stops reading the client until its backlog is down to
	// half the limits: a WebSocket is not read, so TCP pushes back; a
	// polling POST's "ok" waits (up to PingTimeout), so the client posts
	// no faster than its handlers run. While reading is paused the ping
	// timeout does not run (the pong may be unread behind the backlog);
	// a pause in which nothing drains for PingTimeout (handlers stuck, or
	// waiting for an answer from this client that is unread behind the
	// backlog) closes the session ("transport error"). InboundClose
	// closes the session at once ("transport error").
	InboundPolicy InboundPolicy
	// Path is where the Engine answers (Path() tells, for mounting). Empty
	// means "/engine.io/". NoTrailingSlash false requires the trailing
	// slash, as Node's addTrailingSlash: true; true accepts both forms.
	Path            string
	NoTrailingSlash bool
	// CORS headers and preflights. Nil: none, as Node.
	CORS *CORSOptions
	// Cookie carrying the sid, set on the handshake. Nil: none, as Node.
	Cookie *CookieOptions
	// AllowRequest may refuse a handshake: return a *RefusedError for a
	// status and message, any other error for 403. Nil accepts all.
	AllowRequest func(r *http.Request) error
	// GenerateID chooses each new session's id (Node: generateId), from
	// its handshake request. Nil means 20 random URL-safe characters, as
	// Node. An error refuses the handshake as Node does (400, code 3 "Bad
	// request"), and so does an id that is empty, longer than 256 bytes,
	// not URL-safe (A-Z a-z 0-9 - . _ ~) or already in use, with an error
	// logged: no two live sessions ever share an id. Called on the
	// handshake's goroutine; it may block (a lookup), the client waits.
	GenerateID func(r *http.Request) (string, error)
	// OnConnectionError is told of every request refused with an
	// Engine.IO error (Node: io.engine.on("connection_error")): unknown
	// transport or session id, bad handshake method, bad request,
	// forbidden, unsupported protocol version. It runs on the refused
	// request's goroutine, never on an actor, once the error answer has
	// been flushed to the client; a slow one holds only that request's
	// connection. The Request must not be kept past its return (its body
	// is gone). Nil: only counted (actorio_connection_errors_total).
	OnConnectionError func(ConnectionError)
	// InitialHeaders adds headers to the handshake response; Headers to
	// every response (Node's "initial_headers" and "headers"). Nil: none.
	InitialHeaders func(h http.Header, r *http.Request)
	Headers        func(h http.Header, r *http.Request)
	// HTTPCompression of polling responses. The zero value compresses
	// bodies of 1024 bytes and more with gzip or deflate, as Node.
	HTTPCompression CompressionOptions
	// PerMessageDeflate for WebSocket. Nil: off, as Node.
	PerMessageDeflate *DeflateOptions
	// HTTPBodyTimeout bounds reading a polling POST's body: a client that
	// trickles it is answered 400 and its connection closed. Zero means
	// 10s.
	HTTPBodyTimeout time.Duration
	// HTTPWriteTimeout bounds writing a polling response once it is ready,
	// per 64 KiB: a client that stops reading is cut and the payload
	// released. A long-poll GET's wait for something to send is not
	// counted. Zero means 10s.
	HTTPWriteTimeout time.Duration
	// PacketIn and PacketOut see every packet received and sent, for
	// metrics. They run inside the session's actor: they must not block or
	// keep the packet's Data. Nil: none.
	PacketIn, PacketOut func(sid string, p EnginePacket)
	// ActorSystem is the protoactor system the sessions live in. Nil means
	// the Engine starts its own, logging to Logger (component "actors").
	ActorSystem *actor.ActorSystem
	// ActorName names the server's root actor in the actor system: every
	// actor of the server (sessions, namespaces, rooms) lives under it, so
	// one system can host several servers. Empty means "actorio", or
	// "actorio-2", "actorio-3"... when that name is taken.
	ActorName string
	// Logger receives the Engine's logs. The zero value logs nothing,
	// unless DEBUG selects something (see LogLevels).
	Logger zerolog.Logger
	// Limits cap new and open connections (limits.go). The zero value
	// caps nothing, as Node.
	Limits ConnLimits
	// LogLevels sets components' levels apart from Logger's own: keys are
	// LogEngine, LogSocket, LogNamespace, LogAdapter and LogActors, e.g.
	// {LogEngine: zerolog.DebugLevel} on an info Logger. Nil means: read
	// the DEBUG environment variable as Node's debug module does (see
	// DebugLevels), and with a zero Logger write what it selects to
	// stderr, as Node; DEBUG unset, every component at Logger's level.
	// Node: DEBUG=engine*,socket.io:* (no option; the debug module).
	LogLevels map[string]zerolog.Level

	overlapWait time.Duration // tests only (export_test.go)
}

func (o *EngineOptions) withDefaults() EngineOptions {
	var out EngineOptions
	if o != nil {
		out = *o
	}
	out.resolveLogging() // the zero Logger logs nothing, as zerolog.Nop()
	if out.PingInterval <= 0 {
		out.PingInterval = 25 * time.Second
	}
	if out.PingTimeout <= 0 {
		out.PingTimeout = 20 * time.Second
	}
	if out.UpgradeTimeout <= 0 {
		out.UpgradeTimeout = 10 * time.Second
	}
	switch {
	case out.SlowConsumerGrace == 0:
		out.SlowConsumerGrace = 2 * time.Second
	case out.SlowConsumerGrace < 0:
		out.SlowConsumerGrace = 0 // the session closes at the first crossing
	}
	if out.MaxHTTPBufferSize <= 0 {
		out.MaxHTTPBufferSize = transport.DefaultMaxPayload
	}
	return out
}

// Engine is a bare Engine.IO v4 server: an http.Handler to mount at a path
// of the user's choosing ("/engine.io/" by convention).
type Engine struct {
	opts      EngineOptions
	handler   *transport.Handler
	pool      *transport.WriterPool
	poller    *transport.ReadPoller // nil where there is no epoll
	workers   *workers.Pool         // runs sockets' lanes and sessions' mailboxes on parked goroutines
	system    *actor.ActorSystem
	ownSystem bool
	root      *actor.PID // the server's root actor, parent of every other

	stats      actors.Stats
	sessions   *actors.SessionSettings // what every session shares
	admission  *admission              // the connection limits and every refusal's count
	connErrors connErrorCounts
	log        zerolog.Logger // component "engine", built once for every session
	closeOnce  sync.Once
	stopped    chan struct{} // closed by Close

	// live holds every session from the moment it is opened, and closing
	// is checked under the same lock, so Close reaches every session or
	// the session is refused: the handler's routing table gets a session
	// only after its handshake response, too late for a Close racing it.
	mu      sync.Mutex
	live    map[*sessionRef]struct{}
	closing bool
}

// ErrClosing refuses a handshake that arrives while the Engine closes.
var ErrClosing = errors.New("actorio: server shutting down")

// NewEngine returns an Engine that reports to h.
func NewEngine(opts *EngineOptions, h EngineHandler) *Engine {
	o := opts.withDefaults()
	e := &Engine{opts: o, system: o.ActorSystem, stopped: make(chan struct{}), log: o.componentLogger(LogEngine),
		live: map[*sessionRef]struct{}{}}
	o.checkLogLevels()
	if e.system == nil {
		// protoactor's own logs go to the same logger, as component "actors".
		actorsLog := o.componentLogger(LogActors)
		e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(newActorLog(actorsLog)) // dead letters at debug, no duplicated key
		}))
		e.ownSystem = true
	}
	e.workers = workers.New(maxIdleWorkers, workerIdleTime)
	// Sessions' mailboxes run on the workers: each burst of packets would
	// otherwise start a goroutine (protoactor's default).
	e.root = spawnRoot(e.system, o.ActorName, actors.RootConfig{Logger: e.log, Stats: &e.stats,
		SessionDispatcher: e.workers.Dispatcher(mailboxThroughput)})
	e.pool = transport.NewWriterPool(nil)
	e.poller = transport.NewReadPoller()
	e.sessions = &actors.SessionSettings{
		PingInterval:      o.PingInterval,
		PingTimeout:       o.PingTimeout,
		UpgradeTimeout:    o.UpgradeTimeout,
		MaxPayload:        o.MaxHTTPBufferSize,
		OverlapWait:       o.overlapWait,
		AllowUpgrades:     !o.DisallowUpgrades,
		Handler:           h,
		Logger:            e.log,
		PacketIn:          o.PacketIn,
		SlowConsumerGrace: o.SlowConsumerGrace,
		PacketOut:         o.PacketOut,
		Stats:             &e.stats,
		InboundPolicy:     o.InboundPolicy,
		Queue:             o.QueueLimits,
	}
	e.admission = newAdmission(o.Limits, e.log)
	var admit transport.Admitter
	if o.Limits.on() {
		admit = e.admission.admit
	}
	e.handler = transport.NewHandler(transport.Config{
		MaxPayload: o.MaxHTTPBufferSize,
		Transports: o.Transports,
		AllowEIO3:  o.AllowEIO3,
		Pool:       e.pool,
		Poller:     e.poller,
		Queue:      o.QueueLimits,
		Open:       e.open,

		Path:            o.Path,
		NoTrailingSlash: o.NoTrailingSlash,
		CORS:            o.CORS,
		Cookie:          o.Cookie,
		AllowRequest:    o.AllowRequest,
		GenerateID:      o.GenerateID,

		OnConnectionError: e.connectionError,
		InitialHeaders:    o.InitialHeaders,
		Headers:           o.Headers,
		Compression:       o.HTTPCompression,
		Deflate:           o.PerMessageDeflate,
		BodyTimeout:       o.HTTPBodyTimeout,
		WriteTimeout:      o.HTTPWriteTimeout,
		Admit:             admit,
		OriginRefused:     e.admission.originRefused,
	})
	return e
}

// ServeHTTP implements http.Handler.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// PID is the server's root actor. Every actor of the server lives under
// it (sessions by sid, namespaces as "nsp/<name>", rooms under their
// namespace); watching it tells when the server has stopped.
func (e *Engine) PID() *actor.PID { return e.root }

// Path is the path the Engine answers at: mux.Handle(e.Path(), e).
func (e *Engine) Path() string { return e.handler.Path() }

// ListenAndServe runs the Engine standalone on addr until Close, on an
// http.Server from NewHTTPServer.
func (e *Engine) ListenAndServe(addr string) error {
	srv := NewHTTPServer(addr, e)
	go func() {
		<-e.stopped
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (e *Engine) open(hs transport.Handshake) (transport.Session, error) {
	sid := hs.SID
	ref := &sessionRef{system: e.system, done: make(chan struct{}),
		inbound: transport.NewInbound(e.opts.InboundLimits, e.opts.PingTimeout)}
	ref.spawning.Lock()
	defer ref.spawning.Unlock() // once pid is set, or the spawn failed
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		return nil, ErrClosing
	}
	e.live[ref] = struct{}{}
	e.mu.Unlock()
	release := hs.Release // what Ended keeps of hs
	session := actors.NewSession(actors.SessionConfig{
		SessionSettings: e.sessions,
		SID:             sid,
		WebSocket:       hs.Conn,
		EIO3:            hs.EIO3,
		Base64:          hs.Base64,
		Request:         sessionRequest(hs.Request),
		Done:            ref.done,
		Inbound:         ref.inbound,
		Ended: func(sid, _ string) {
			if release != nil {
				release() // its connection limits' slot
			}
			e.handler.Forget(sid)
			e.mu.Lock()
			delete(e.live, ref)
			e.mu.Unlock()
			close(ref.done)
			if pid := ref.spawned(); pid != nil { // it may end before open has its PID
				e.system.Root.Stop(pid)
			}
		},
	}, ref.Tell)
	ref.user = session.User()
	// The session is made here, not by a producer of its own: that would
	// keep its props, and a producer capturing its config a second copy of
	// that, for the actor's life.
	pid, err := e.spawnChild(&actors.SpawnChild{Actor: session, Name: sid, Kind: actors.KindSession})
	if errors.Is(err, actor.ErrNameExists) { // a GenerateID that raced itself
		err = fmt.Errorf("%w: %q", transport.ErrSIDTaken, sid)
	}
	if err != nil {
		e.mu.Lock()
		delete(e.live, ref)
		e.mu.Unlock()
		return nil, err
	}
	ref.pid.Store(pid)
	return ref, nil
}

// spawn starts props as a child of the server's root actor, which stops
// it if it fails (and then calls failed, in the root actor).
func (e *Engine) spawn(props *actor.Props, name, kind string, failed func(reason any)) (*actor.PID, error) {
	return e.spawnChild(&actors.SpawnChild{Props: props, Name: name, Kind: kind, Failed: failed})
}

// spawnChild sends m, its Reply set here, to the root actor and waits.
func (e *Engine) spawnChild(m *actors.SpawnChild) (*actor.PID, error) {
	reply := make(chan actors.SpawnResult, 1)
	m.Reply = reply
	e.system.Root.Send(e.root, m)
	select {
	case r := <-reply:
		return r.PID, r.Err
	case <-e.stopped:
		return nil, ErrClosing
	}
}

// spawnRoot starts a server's root actor as name, or name-2, name-3...
// when that is taken.
func spawnRoot(system *actor.ActorSystem, name string, cfg actors.RootConfig) *actor.PID {
	if name == "" {
		name = "actorio"
	}
	props := actors.NewRootProps(cfg)
	for i := 1; ; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		pid, err := system.Root.SpawnNamed(props, n)
		if err == nil {
			return pid
		}
		if !errors.Is(err, actor.ErrNameExists) {
			panic(fmt.Sprintf("actorio: spawning the root actor %q: %v", n, err)) // protoactor has no other error here
		}
	}
}

// maxIdleWorkers bounds the parked workers. A read of many connections
// hands a burst to each of their sessions at once, before any runs: with
// fewer parked than that, the rest start as new goroutines, whose stacks
// grow again (with a bound of 6, runtime.newstack was 18% of the echo
// bench's CPU). Parked workers exit after workerIdleTime (up to twice
// that).
const maxIdleWorkers = 256

// workerIdleTime is how long a parked worker waits for a burst before it
// exits (at least, and at most twice that): long enough to outlast the
// gaps of a busy server, short enough that an idle one soon holds none.
const workerIdleTime = 5 * time.Second

// mailboxThroughput is the messages an actor (session, namespace, room)
// handles before it lets
// other goroutines run: protoactor's default.
const mailboxThroughput = 300

// shutdownDeadline bounds how long Close waits for sessions to end.
const shutdownDeadline = 5 * time.Second

// Close ends every session ("server shutting down"), waits for them up to
// one shared deadline, then stops the writers and, if the Engine started
// it, the actor system.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closing = true
		live := make([]*sessionRef, 0, len(e.live))
		for ref := range e.live {
			live = append(live, ref)
		}
		e.mu.Unlock()
		for _, s := range live {
			s.Tell(actors.CloseSession(actors.ReasonServerShutdown))
		}
		deadline := time.NewTimer(shutdownDeadline)
		defer deadline.Stop()
	wait:
		for i, s := range live {
			select {
			case <-s.Done():
			case <-deadline.C:
				e.log.Warn().Int("sessions", len(live)-i).Dur("deadline", shutdownDeadline).Msg("sessions still open at the shutdown deadline: stopped")
				break wait
			}
		}
		// The whole tree goes, also in a user's actor system: sessions
		// still running past the deadline, namespaces, rooms.
		_ = e.system.Root.StopFuture(e.root).Wait()
		e.pool.Stop()
		if e.poller != nil {
			e.poller.Close()
		}
		e.workers.Close() // lanes that still run (disconnect handlers) get goroutines of their own
		if e.ownSystem {
			e.system.Shutdown()
		}
		close(e.stopped)
	})
}

// each calls f with every live session's handle (from any goroutine; f
// must not block: post to the session with Run).
func (e *Engine) each(f func(*EngineSession)) {
	e.mu.Lock()
	refs := make([]*sessionRef, 0, len(e.live))
	for ref := range e.live {
		refs = append(refs, ref)
	}
	e.mu.Unlock()
	for _, ref := range refs {
		// One still being spawned is left out: it joins no namespace
		// before it is.
		if ref.pid.Load() != nil {
			f(ref.user)
		}
	}
}

// sessionRef is how the transport and the user reach a session actor.
type sessionRef struct {
	system *actor.ActorSystem
	user   *EngineSession            // written once, before pid
	pid    atomic.Pointer[actor.PID] // set once spawned
	// spawning is held while the session is spawned: Tell waits for it, as
	// OnOpen may Send before Spawn returns. A mutex locked by open and
	// unlocked when it returns, rather than a channel closed then: 8 bytes
	// instead of 96 per session.
	spawning sync.Mutex
	done     chan struct{} // closed when the session has ended

	inbound *transport.Inbound
}

// spawned returns the session's PID once spawning is over, nil if it
// failed.
func (r *sessionRef) spawned() *actor.PID {
	if pid := r.pid.Load(); pid != nil {
		return pid
	}
	r.spawning.Lock()
	defer r.spawning.Unlock()
	return r.pid.Load()
}

func (r *sessionRef) Tell(msg any) {
	if pid := r.spawned(); pid != nil {
		r.system.Root.Send(pid, msg)
	}
}

func (r *sessionRef) Done() <-chan struct{} { return r.done }
