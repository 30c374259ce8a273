package actorio

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// Options configures a Server. A nil *Options means defaults; every zero
// field means its documented default, as in Node's socket.io.
type Options struct {
	// EngineOptions configure the Engine.IO layer. Path defaults to
	// "/socket.io/" here.
	EngineOptions
	// Parser is the packet format. Zero means ParserDefault (JSON).
	Parser Parser
	// ConnectTimeout closes a connection that joins no namespace in time.
	// Zero means 45s, as Node.
	ConnectTimeout time.Duration
	// AckTimeout is the default timeout of EmitWithAck when its context has
	// no deadline. Zero means none.
	AckTimeout time.Duration
	// CleanupEmptyChildNamespaces removes a child of a ParentNamespace when
	// its last socket leaves. The zero value keeps them, as Node.
	CleanupEmptyChildNamespaces bool
	// ConnectionStateRecovery, when set, lets reconnecting clients recover
	// their socket and missed packets. Nil: off, as in Node.
	ConnectionStateRecovery *RecoveryOptions
	// ClientDir, when set, is the dist directory of the npm package
	// socket.io-client: the server serves its bundles at
	// <Path>socket.io.js and friends, as Node's serveClient: the package's
	// version as ETag (304 on a match), br, gzip or deflate as the client
	// accepts. Each file is read and compressed once, on its first
	// request, and kept until the server stops. Empty: not served (Node
	// serves them by default).
	ClientDir string
	// Adapter joins the server to a cluster. Nil means adapter.InMemory:
	// one server, everything local.
	Adapter adapter.Adapter
	// EventLimit limits the events each socket may send (eventlimit.go).
	// The zero value limits nothing, as Node.
	EventLimit EventLimit
	// NamespaceQueue bounds, per namespace, the handlers waiting to run
	// on its lane: room events (OnRoomEvent) and other servers' events
	// (OnServerSideEmit). Past it a new one is refused: its handlers do
	// not run, a server-side event's ack is not answered (the sender's
	// timeout reports it), and the refusal is counted
	// (actorio_namespace_handlers_refused_total) and logged, at warn level
	// once each time the queue fills. Node runs these handlers inline, so a
	// slow one stalls its whole server instead. Zero means
	// DefaultNamespaceQueue.
	NamespaceQueue int
}

// Server is a Socket.IO v5 server: an http.Handler to mount at Path().
type Server struct {
	opts   Options
	engine *Engine
	codec  codec
	client *clientBundle // Options.ClientDir's files; nil: not served

	// Loggers of the components other than LogSocket (opts.Logger's).
	nspLog, adapterLog, actorsLog zerolog.Logger

	stats  serverStats
	events *eventLimiter // nil: no EventLimit

	mu         sync.Mutex
	namespaces map[string]*Namespace
	parents    []*ParentNamespace
	attached   bool               // the adapter has the local side: new namespaces join the cluster
	onNewNsp   []func(*Namespace) // OnNewNamespace, and the admin UI's hook (onNewNamespace)

	admin atomic.Pointer[AdminUI] // set by Instrument

	gatewayOnce sync.Once
	gateway     *actor.PID
}

// NewServer returns a server; the main namespace "/" exists from the start.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 45 * time.Second
	}
	if o.NamespaceQueue <= 0 {
		o.NamespaceQueue = DefaultNamespaceQueue
	}
	if o.Adapter == nil {
		o.Adapter = adapter.NewInMemory()
	}
	o.resolveLogging() // once, for the Engine and the server alike
	s := &Server{opts: o, codec: newCodec(o.Parser), client: newClientBundle(o.ClientDir), namespaces: map[string]*Namespace{}, events: newEventLimiter(o.EventLimit)}
	s.engine = NewEngine(&o.EngineOptions, engineSide{s})
	s.opts.Logger = o.componentLogger(LogSocket)
	s.nspLog, s.adapterLog, s.actorsLog = o.componentLogger(LogNamespace), o.componentLogger(LogAdapter), o.componentLogger(LogActors)
	s.Of("/")
	if err := o.Adapter.Attach(localSide{s}); err != nil {
		s.adapterLog.Error().Err(err).Msg("adapter attach failed")
	}
	s.mu.Lock()
	s.attached = true
	names := make([]string, 0, len(s.namespaces))
	for name := range s.namespaces {
		names = append(names, name)
	}
	s.mu.Unlock()
	for _, name := range names {
		s.addToCluster(name)
	}
	return s
}

// addToCluster tells the adapter of a namespace, as Node creates an
// adapter per namespace.
func (s *Server) addToCluster(name string) {
	if err := s.opts.Adapter.AddNamespace(name); err != nil {
		s.adapterLog.Error().Str("nsp", name).Err(err).Msg("namespace not joined to the cluster")
	}
}

// ServerCount is how many servers the cluster has, this one included.
func (s *Server) ServerCount(ctx context.Context) (int, error) {
	return s.opts.Adapter.ServerCount(ctx)
}

// ServerSideEmit sends an event to the main namespace of the other
// servers of the cluster (a no-op alone, as in Node).
func (s *Server) ServerSideEmit(event string, args ...any) error {
	return s.Of("/").ServerSideEmit(event, args...)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveClient(w, r) {
		return
	}
	s.engine.ServeHTTP(w, r)
}

// Path is where the server answers: mux.Handle(s.Path(), s).
func (s *Server) Path() string { return s.engine.Path() }

// Engine is the Engine.IO server underneath.
func (s *Server) Engine() *Engine { return s.engine }

// ActorSystem is the protoactor system the server's actors live in.
func (s *Server) ActorSystem() *actor.ActorSystem { return s.engine.system }

// Close disconnects every client ("server shutting down"), leaves the
// cluster and stops.
func (s *Server) Close() {
	s.engine.Close()
	_ = s.opts.Adapter.Close()
}

// Of returns the namespace called name, creating it on first use.
func (s *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	if n, ok := s.namespaces[name]; ok {
		s.mu.Unlock()
		return n
	}
	n := newNamespace(s, name)
	s.namespaces[name] = n
	attached := s.attached
	hooks := s.onNewNsp // taken with n's registration: each hook sees n once
	s.mu.Unlock()
	if attached {
		s.addToCluster(name)
	}
	for _, f := range hooks {
		f(n)
	}
	return n
}

// onNewNamespace calls f with every namespace that exists and with each
// one created from now on, dynamic children included, exactly once each
// (Node: io._nsps.forEach and io.on("new_namespace")).
func (s *Server) onNewNamespace(f func(*Namespace)) {
	s.mu.Lock()
	s.onNewNsp = append(slices.Clip(s.onNewNsp), f)
	existing := make([]*Namespace, 0, len(s.namespaces))
	for _, n := range s.namespaces {
		existing = append(existing, n)
	}
	s.mu.Unlock()
	for _, n := range existing {
		f(n)
	}
}

func (s *Server) lookup(name string) *Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.namespaces[name]
}

// Use adds connect middleware to the main namespace, as io.use in Node.
func (s *Server) Use(mw Middleware) { s.Of("/").Use(mw) }

// OnConnection registers a handler for sockets connecting to "/".
func (s *Server) OnConnection(f func(*Socket)) { s.Of("/").OnConnection(f) }

// To starts a broadcast to rooms of the main namespace.
func (s *Server) To(rooms ...string) *BroadcastOperator { return s.Of("/").To(rooms...) }

// In is To (Node's io.in).
func (s *Server) In(rooms ...string) *BroadcastOperator { return s.Of("/").To(rooms...) }

// Local starts a broadcast to this server's sockets of the main namespace
// only (Node's io.local).
func (s *Server) Local() *BroadcastOperator { return s.Of("/").Local() }

// ServerSideEmitWithAck asks the other servers' main namespace for one
// answer each (Node's io.serverSideEmitWithAck).
func (s *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return s.Of("/").ServerSideEmitWithAck(ctx, event, args...)
}

// FetchSockets returns the main namespace's sockets on every server of the
// cluster (Node's io.fetchSockets).
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.Of("/").FetchSockets(ctx)
}

// Emit sends an event to every socket of the main namespace.
func (s *Server) Emit(event string, args ...any) error { return s.Of("/").Emit(event, args...) }

// spawnNamespace starts a namespace's actor under the server's root.
func (s *Server) spawnNamespace(n *Namespace) *actor.PID {
	props := actors.NewNamespaceProps(actors.NamespaceConfig{
		Name:     n.name,
		Logger:   s.nspLog,
		OnRoom:   n.roomEvent,
		Recovery: s.opts.ConnectionStateRecovery.duration(),
		Stats:    &s.engine.stats,

		Dispatcher: s.engine.workers.Dispatcher(mailboxThroughput),
	})
	failed := func(any) { n.fail() }
	pid, err := s.engine.spawn(props, "nsp"+n.name, actors.KindNamespace, failed)
	if errors.Is(err, actor.ErrNameExists) {
		// A cleaned-up child of the same name is still stopping.
		pid, err = s.engine.spawn(props, "", actors.KindNamespace, failed)
	}
	if err != nil { // the server is closing: a namespace that never answers
		close(n.failed)
		return actor.NewPID(s.engine.system.Address(), "closed")
	}
	return pid
}
