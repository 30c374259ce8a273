// Package conformance builds the server the official Engine.IO v4 and
// Socket.IO v5 protocol test suites drive (docs/conformance.md): a bare
// echoing Engine.IO server at /engine.io/ and a Socket.IO server at
// /socket.io/, with the suites' hard-coded heartbeat. The binary's
// conformance mode and the wire-level tests both use it.
package conformance

import (
	"net/http"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	"github.com/rs/zerolog"
)

// Server is the conformance server: mount Handler, call Close at the end.
type Server struct {
	Handler http.Handler
	engine  *actorio.Engine
	sio     *actorio.Server
}

// The suites' heartbeat, which New uses.
const (
	PingInterval = 300 * time.Millisecond
	PingTimeout  = 200 * time.Millisecond
)

// New returns the conformance server, logging to logger.
func New(logger zerolog.Logger) *Server {
	return NewWithHeartbeat(logger, PingInterval, PingTimeout)
}

// NewWithHeartbeat is New with another heartbeat: the wire-level tests use
// a long one, which a raw client that does not answer pings on a loaded
// machine cannot miss.
func NewWithHeartbeat(logger zerolog.Logger, pingInterval, pingTimeout time.Duration) *Server {
	return newServer(logger, pingInterval, pingTimeout, nil)
}

// NewInCluster is New with the Socket.IO server joined to a cluster
// through ad (actorio-server -mode conformance -redis URL).
func NewInCluster(logger zerolog.Logger, ad adapter.Adapter) *Server {
	return newServer(logger, PingInterval, PingTimeout, ad)
}

func newServer(logger zerolog.Logger, pingInterval, pingTimeout time.Duration, ad adapter.Adapter) *Server {
	base := actorio.EngineOptions{
		PingInterval:      pingInterval,
		PingTimeout:       pingTimeout,
		MaxHTTPBufferSize: 1_000_000,
		Logger:            logger,
	}
	engineOpts := base
	engineOpts.Path = "/engine.io/"
	engine := actorio.NewEngine(&engineOpts, echo{})

	// Upstream's example uses 1 s; its ping/pong test on /socket.io/ runs
	// three 300 ms heartbeats without a CONNECT, so 1 s leaves a loaded
	// machine no margin. A connection that never sends CONNECT is still
	// closed within the suite's 2 s, by the ping timeout at 500 ms.
	sioOpts := actorio.Options{EngineOptions: base, ConnectTimeout: 1500 * time.Millisecond, Adapter: ad}
	sioOpts.Path = "/socket.io/"
	srv := actorio.NewServer(&sioOpts)
	for _, name := range []string{"/", "/custom"} {
		nsp := srv.Of(name)
		nsp.OnConnection(func(s *actorio.Socket) {
			_ = s.Emit("auth", s.Handshake().Auth)
			if name != "/" {
				return
			}
			_ = s.On("message", func(args actorio.Args) { _ = s.Emit("message-back", args.Forward()...) })
			_ = s.On("message-with-ack", func(args actorio.Args, ack actorio.Ack) { _ = ack.Send(args.Forward()...) })
		})
	}

	mux := http.NewServeMux()
	mux.Handle(engine.Path(), engine)
	mux.Handle(srv.Path(), srv)
	return &Server{Handler: mux, engine: engine, sio: srv}
}

// SocketIO is the server at /socket.io/, for its metrics.
func (s *Server) SocketIO() *actorio.Server { return s.sio }

// Close ends every session of both servers.
func (s *Server) Close() {
	s.sio.Close()
	s.engine.Close()
}

type echo struct{}

func (echo) OnOpen(*actorio.EngineSession)                             {}
func (echo) OnMessage(s *actorio.EngineSession, data []byte, bin bool) { s.Send(data, bin) }
func (echo) OnClose(*actorio.EngineSession, string)                    {}
