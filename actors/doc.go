// Package actors holds the actors of an Actorio server and their messages:
// joins, leaves, broadcasts, heartbeat timeouts and backpressure decisions
// are serialized mailbox events here, not mutex-guarded maps.
//
// The tree, one per server (see root.go):
//
//	root ("actorio", or "actorio-N" when a system hosts several servers)
//	├── <sid>          a session actor per Engine.IO session (session.go)
//	└── nsp/<name>     a namespace actor per namespace (namespace.go)
//	    └── room       a room actor per room of two members or more (room.go)
//
// The root supervises sessions and namespaces: one that fails is stopped,
// logged and counted, never restarted with its state wiped; a session then
// closes its connection with a reason, a namespace fails every waiter and
// later call. A namespace supervises its rooms: one that fails is resumed
// with its member list rebuilt from the namespace's index.
//
// The message flow:
//
//	transport (HTTP handler, WebSocket reader)
//	    │ PollRequested, PayloadPosted, WebSocketAttached, WebSocketPacket, ...
//	    ▼
//	session ──EngineHandler callbacks──▶ the Socket.IO layer (package actorio)
//	    ▲                                   │ AddSocket, JoinRooms, Broadcast, ...
//	    │ deliverRequested (polling)        ▼
//	  Sink ◀──────── shared frames ──── namespace ──roomBroadcast──▶ room
//	    │ (WebSocket: no actor message per recipient)                   │
//	    ▼                                                              │
//	outbound queue + writer pool ◀───────────── Sink.Deliver ──────────┘
//
// Every delivery to a client goes through its Sink, so unicasts and
// broadcasts reach it in the order they were made. User code never runs on
// these actors except the hooks documented to (packet hooks, room events),
// which must not block.
//
// It imports protocol/ and the transport's connection types, never
// net/http handlers or gobwas/ws framing. Actor messages are small structs
// sent as pointers and never changed after sending.
package actors
