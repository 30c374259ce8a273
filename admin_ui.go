package actorio

// The server half of the Socket.IO admin UI (npm @socket.io/admin-ui,
// lib/index.ts): an /admin namespace speaking the UI's event protocol, fed
// by server-wide hooks that exist only once Instrument has run. Without it
// nothing here is on any path: the hooks are a nil pointer and an empty
// list (Server.admin, Server.onNew).

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/actorio/actorio/adapter"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"
)

// AdminUIMode says how much the admin UI is told (Node: options.mode).
type AdminUIMode string

const (
	// AdminUIDevelopment sends every socket, room change and event to the
	// UI (Node: mode "development", its default).
	AdminUIDevelopment AdminUIMode = "development"
	// AdminUIProduction sends only the server stats and their aggregated
	// counts, for performance (Node: mode "production").
	AdminUIProduction AdminUIMode = "production"
)

// AdminUIAuth is the admin UI's basic authentication: the UI's login form
// sends a username and a password, checked against a bcrypt hash (Node:
// auth: {type: "basic", username, password}).
type AdminUIAuth struct {
	Username string
	// PasswordHash is the password's bcrypt hash ($2a$, $2b$ or $2y$), as
	// `htpasswd -nbBC 10 USER PASSWORD` or bcryptjs print it.
	PasswordHash string
}

// AdminUIOptions configure Instrument (Node: InstrumentOptions). Either
// Auth is set or NoAuth is true: there is no default that lets everyone
// in, as in Node, where auth must be given or explicitly false.
type AdminUIOptions struct {
	// Auth checks the UI's credentials (Node: auth).
	Auth *AdminUIAuth
	// NoAuth accepts every UI connection without credentials (Node: auth:
	// false). Only for a UI behind a trusted network.
	NoAuth bool
	// NamespaceName is the UI's namespace (Node: namespaceName). Zero means
	// "/admin".
	NamespaceName string
	// ReadOnly refuses the UI's actions: emit, join, leave, disconnect
	// (Node: readonly).
	ReadOnly bool
	// ServerID names this server in the UI (Node: serverId). Zero means the
	// host name, as Node; with a cluster adapter, the host name and the
	// process id (Node adds the pid in a cluster worker), so that several
	// servers on one host stay apart.
	ServerID string
	// Mode is what the UI is told (Node: mode). Zero means
	// AdminUIDevelopment, as Node without NODE_ENV.
	Mode AdminUIMode
	// StatsInterval is how often server_stats is sent. Zero means 2s, as
	// Node.
	StatsInterval time.Duration
	// UIDir, when set, is the ui/dist directory of the npm package
	// @socket.io/admin-ui: ServeHTTP serves the UI from it at UIPath.
	// Empty: ServeHTTP answers 404. Node has no such option: its
	// applications serve that directory themselves (serve-static).
	UIDir string
	// UIPath is where ServeHTTP serves the UI. Zero means "/admin/" (no
	// Node option either).
	UIPath string
}

// AdminUI is an instrumented server's admin side: its namespace, its stats
// timer and the UI's static files (ServeHTTP). Node: what instrument sets
// up on io (it returns nothing).
type AdminUI struct {
	srv    *Server
	nsp    *Namespace
	opts   AdminUIOptions
	dev    bool
	logger zerolog.Logger

	stop     chan struct{}
	stopOnce sync.Once
	stopped  chan struct{}

	sessions sessionStore
}

// adminFeatures are the UI's features (Node: the Feature enum), in Node's
// order.
var adminFeatures = []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"}

// Instrument serves the admin UI's namespace on srv: authentication,
// server stats, the socket list, rooms, events and the UI's actions, for
// every namespace, dynamic ones included (Node: instrument(io, options)
// from @socket.io/admin-ui). Call it once per server; sockets that
// connected before are listed, but only later ones report their events,
// as in Node. It fails on options that would let everyone in by mistake
// or could never authenticate anyone.
func Instrument(srv *Server, opts AdminUIOptions) (*AdminUI, error) {
	if err := checkAdminAuth(opts); err != nil {
		return nil, err
	}
	if opts.NamespaceName == "" {
		opts.NamespaceName = "/admin"
	}
	if opts.Mode == "" {
		opts.Mode = AdminUIDevelopment
	}
	if opts.Mode != AdminUIDevelopment && opts.Mode != AdminUIProduction {
		return nil, fmt.Errorf("actorio: admin UI mode %q: want %q or %q", opts.Mode, AdminUIDevelopment, AdminUIProduction)
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = 2 * time.Second
	}
	if opts.UIPath == "" {
		opts.UIPath = "/admin/"
	}
	if opts.ServerID == "" {
		opts.ServerID = defaultServerID(srv)
	}
	a := &AdminUI{srv: srv, opts: opts, dev: opts.Mode == AdminUIDevelopment,
		logger: srv.opts.Logger, // component "socket", as Node's socket.io-admin debug lines sit with socket.io's
		stop:   make(chan struct{}), stopped: make(chan struct{})}
	if !srv.admin.CompareAndSwap(nil, a) {
		return nil, errors.New("actorio: the server is instrumented already")
	}
	a.nsp = srv.Of(opts.NamespaceName)
	if opts.Auth != nil {
		a.nsp.Use(a.authenticate)
	} else {
		a.logger.Warn().Msg("admin UI authentication is disabled")
	}
	features := a.features()
	a.nsp.OnConnection(func(s *Socket) { a.connected(s, features) })
	if a.dev {
		srv.onNewNamespace(a.watchNamespace)
	}
	go a.statsLoop()
	return a, nil
}

func checkAdminAuth(opts AdminUIOptions) error {
	switch {
	case opts.Auth == nil && !opts.NoAuth:
		return errors.New("actorio: admin UI: set Auth, or NoAuth to accept everyone (Node: the `auth` option must be specified or explicitly set to `false`)")
	case opts.Auth != nil && opts.NoAuth:
		return errors.New("actorio: admin UI: Auth and NoAuth both set")
	case opts.Auth != nil:
		if _, err := bcrypt.Cost([]byte(opts.Auth.PasswordHash)); err != nil {
			return fmt.Errorf("actorio: admin UI: the password must be a valid bcrypt hash: %w", err)
		}
	}
	return nil
}

func defaultServerID(srv *Server) string {
	host, _ := os.Hostname()
	if _, alone := srv.opts.Adapter.(*adapter.InMemory); alone {
		return host
	}
	return fmt.Sprintf("%s#%d", host, os.Getpid())
}

// Namespace is the UI's namespace (Node: the namespace instrument creates).
func (a *AdminUI) Namespace() *Namespace { return a.nsp }

// ServerID is this server's name in the UI (Node: options.serverId).
func (a *AdminUI) ServerID() string { return a.opts.ServerID }

// Close stops the stats timer. The namespace stays, as in Node, where
// nothing undoes instrument; closing the server stops the timer too.
func (a *AdminUI) Close() {
	a.stopOnce.Do(func() { close(a.stop) })
	<-a.stopped
}

func (a *AdminUI) features() []string {
	var fs []string
	if !a.opts.ReadOnly {
		fs = append(fs, adminFeatures...)
	}
	fs = append(fs, "AGGREGATED_EVENTS")
	if a.dev {
		fs = append(fs, "ALL_EVENTS")
	}
	return fs
}

// adminAuth is the UI's CONNECT payload: credentials from the login form,
// or the session id a previous login returned.
type adminAuth struct {
	SessionID string `json:"sessionId"`
	Username  string `json:"username"`
	Password  string `json:"password"`
}

// errInvalidCredentials is the refusal the UI recognises (it reopens its
// login form on exactly this message).
var errInvalidCredentials = &ConnectError{Message: "invalid credentials"}

// authenticate is the namespace's middleware (Node:
// initAuthenticationMiddleware): a known session id, or the username and
// the password matching the bcrypt hash, which starts a session whose id
// goes to the UI in a "session" event ahead of the CONNECT reply, as Node's
// socket.emit from a middleware.
func (a *AdminUI) authenticate(s *Socket) error {
	var auth adminAuth
	_ = json.Unmarshal(s.Handshake().Auth, &auth) // a malformed payload has no credentials
	if auth.SessionID != "" && a.sessions.has(auth.SessionID) {
		return nil
	}
	// The hash is checked whatever the username, so that the time taken
	// does not tell whether the username is right.
	passwordOK := bcrypt.CompareHashAndPassword([]byte(a.opts.Auth.PasswordHash), []byte(auth.Password)) == nil
	userOK := subtle.ConstantTimeCompare([]byte(auth.Username), []byte(a.opts.Auth.Username)) == 1
	if userOK && passwordOK {
		id := randomSessionID()
		a.sessions.add(id)
		f, err := a.srv.eventFrames(s.nsp.name, "session", []any{id})
		if err != nil {
			return err
		}
		s.client.es.Sink().Deliver(f, false)
		return nil
	}
	a.logger.Info().Str("nsp", s.nsp.name).Str("address", s.Handshake().Address).Msg("admin UI login refused: invalid credentials")
	return errInvalidCredentials
}

func randomSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// sessionStore is Node's InMemoryStore, bounded: past maxAdminSessions
// the oldest session ends (its UI logs in again).
type sessionStore struct {
	mu    sync.Mutex
	ids   map[string]struct{}
	order []string
}

const maxAdminSessions = 1024

func (st *sessionStore) add(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ids == nil {
		st.ids = map[string]struct{}{}
	}
	if len(st.order) >= maxAdminSessions {
		delete(st.ids, st.order[0])
		st.order = st.order[1:]
	}
	st.ids[id] = struct{}{}
	st.order = append(st.order, id)
}

func (st *sessionStore) has(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.ids[id]
	return ok
}

// connected greets a UI: its actions, its config and, in development
// mode, every socket of the cluster (Node: adminNamespace.on("connection")).
func (a *AdminUI) connected(s *Socket, features []string) {
	if !a.opts.ReadOnly {
		a.registerActions(s)
	}
	if err := s.Emit("config", map[string]any{"supportedFeatures": features}); err != nil {
		a.logger.Warn().Err(err).Msg("admin UI config not sent")
	}
	if a.dev {
		if err := s.Emit("all_sockets", a.allSockets()); err != nil {
			a.logger.Warn().Err(err).Msg("admin UI socket list not sent")
		}
	}
}

// emit sends one event to every UI of the cluster, as Node's
// adminNamespace.emit.
func (a *AdminUI) emit(event string, args ...any) {
	if err := a.nsp.Emit(event, args...); err != nil {
		a.logger.Warn().Str("event", event).Err(err).Msg("admin UI event not sent")
	}
}

// jsDate is a time as JSON.stringify(new Date()) writes it.
func jsDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
