// Package actorio is a Socket.IO v4 server for Go: Engine.IO protocol 4
// and Socket.IO protocol 5, wire-compatible with the official JavaScript
// client (npm socket.io-client), with an API modelled on Node's socket.io
// server, built on actors (github.com/asynkron/protoactor-go).
//
// An application needs only this package:
//
//	srv := actorio.NewServer(nil) // nil *Options: Node's defaults
//	defer srv.Close()
//	srv.OnConnection(func(s *actorio.Socket) {
//		s.Join("lobby")
//		// A handler declares the argument types it wants; an Ack, last,
//		// answers the client.
//		_ = s.On("chat", func(msg string, ack actorio.Ack) {
//			_ = s.To("lobby").Emit("chat", msg) // the lobby, but not the sender
//			_ = ack.Send("delivered")
//		})
//	})
//	http.Handle(srv.Path(), srv) // "/socket.io/"
//	log.Fatal(http.ListenAndServe(":3000", nil))
//
// # The shape of the API
//
// The types follow Node's lib/ (server, namespace, socket, broadcast
// operator), so code written for Node translates line by line.
//
//   - [Server] is an http.Handler mounted at [Server.Path]. It owns the
//     namespaces ([Server.Of], and [Server.OfRegexp] or [Server.OfFunc] for
//     namespaces created on demand) and is configured by [Options]: the
//     Engine.IO settings ([EngineOptions]: heartbeat, payload limit,
//     transports, CORS, outbound queue limits), the parser (JSON or
//     msgpack), connection state recovery and the cluster [adapter.Adapter].
//     A nil *Options, and every zero field, means Node's default.
//   - [Namespace] holds sockets and rooms: connect middleware ([Namespace.Use]),
//     [Namespace.OnConnection], broadcasts, FetchSockets and
//     SocketsJoin/SocketsLeave/DisconnectSockets, and lookups of this
//     server's sockets and rooms ([Namespace.Socket], [Namespace.Sockets],
//     [Namespace.Rooms], [Namespace.RoomMembers]), answered by the
//     namespace actor.
//   - [Socket] is one client in one namespace: On and OnAny for events,
//     Emit and EmitWithAck to its client (or [Socket.EmitWithAckFunc], whose
//     callback runs later on the socket's goroutine), the modifiers of
//     [SocketEmitter] (Volatile, Compress, Timeout), Join and Leave, packet
//     middleware, OnDisconnect. [Args] are received arguments, decoded on
//     demand or forwarded untouched; a [Value] keeps one exactly (key order,
//     binary) to build replies from. An [Ack] answers the client, and tells
//     whether it asked for an answer. [Socket.Conn] is the Engine.IO
//     connection its client's sockets share (Node's socket.conn, with its
//     events) and [Socket.Request] the handshake's HTTP request
//     (socket.request).
//   - [BroadcastOperator] addresses a broadcast (To, In, Except, Volatile,
//     Compress, Local, Timeout). It is immutable: each method returns a new
//     operator. A broadcast is encoded and framed once, and the same bytes
//     go to every recipient.
//   - [Engine] is the bare Engine.IO server underneath, usable alone with an
//     [EngineHandler] when no Socket.IO layer is wanted.
//   - [Server.Metrics] is a Prometheus collector to register in a registry
//     of your own.
//   - [Instrument] serves the stock Socket.IO admin UI's /admin namespace
//     (npm @socket.io/admin-ui), and [AdminUI] its static files.
//
// # Concurrency
//
// Server, Namespace, Socket and BroadcastOperator methods are safe from
// any goroutine. Each Engine.IO session, namespace and room is an actor;
// the types above are handles that send them messages. Event handlers and
// middleware run on the socket's own goroutine, one at a time, in the
// order the packets arrived, so a handler may block (and may call
// EmitWithAck) without stalling other sockets. [EngineHandler] methods are
// the exception: they run inside the session's actor and must not block.
// Packets sent from one goroutine reach a client in call order, unicasts
// and broadcasts alike: Emit returns once every local recipient has the
// packet queued. A WebSocket's outbound queue is bounded
// ([EngineOptions].QueueLimits): a client that does not read is
// disconnected, never waited for.
//
// # Embedding
//
// [EngineOptions].ActorSystem runs the server's actors in an existing
// protoactor system and Logger receives its logs (zerolog; the zero value
// logs nothing). Every actor of a server lives under its named root
// ([Engine.PID]). Actors of your own speak to the server by message,
// package actormsg: [Namespace.Subscribe] (or [Socket.Subscribe]) sends
// them each socket's Connected, Event (with an Ack answerable later, from
// any actor), Disconnecting and Disconnected; [Server.Gateway] takes Emit,
// EmitWithAck, Join, Leave, Disconnect, Watch and WatchRoom, and answers
// RoomMembers, RoomSize, SocketRooms and FetchSockets with Respond. See
// ExampleServer_Gateway.
//
// # Logs
//
// Each log line carries a component ([LogEngine], [LogSocket],
// [LogNamespace], [LogAdapter], [LogActors]); [EngineOptions].LogLevels
// sets their levels apart from the Logger's. Left nil, the DEBUG
// environment variable of Node's debug module selects them
// (DEBUG=engine*, DEBUG=socket.io:*), see [DebugLevels].
//
// # What it is not
//
// It is a server only: there is no Go client. It speaks Engine.IO 4 and
// Socket.IO 5 (clients of socket.io 3 and later), and, with
// [EngineOptions].AllowEIO3 (off by default, as Node's allowEIO3), the
// Engine.IO 3 and Socket.IO 4 of socket.io 2 clients. Clustering goes through [adapter.Adapter]:
// adapter/redis and adapter/redisstreams speak the wire formats of Node's
// Redis adapters, so Go and Node servers share a cluster.
//
// The other packages are its layers: protocol/ (pure codecs), transport/
// (polling, WebSocket, outbound queues), actors/ (session, namespace and
// room actors; their messages are Actorio's own), actormsg (the messages
// for actors of yours) and adapter/ (the cluster seam and its adapters).
package actorio
