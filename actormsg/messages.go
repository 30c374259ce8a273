package actormsg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Socket names a socket: its namespace and id, stable for its life (and
// kept by connection state recovery).
type Socket struct {
	Nsp string
	ID  string
}

// Handshake is what a socket connected with.
type Handshake struct {
	Auth    json.RawMessage // the CONNECT payload, {} when none
	Query   url.Values
	Headers http.Header
	Address string
}

// Args are an event's or an answer's arguments, decoded on demand.
type Args interface {
	// Len is the number of arguments.
	Len() int
	// Decode fills v (a pointer) from argument i, by encoding/json's rules.
	Decode(i int, v any) error
	// Raw returns argument i as JSON.
	Raw(i int) json.RawMessage
	// Forward returns the arguments to emit them on unchanged.
	Forward() []any
}

// Ack answers an event. Send may be called from any goroutine or actor,
// later than the event was handled; it sends at most once.
type Ack struct {
	requested bool
	sent      atomic.Bool
	send      func(args ...any) error
}

// NewAck is for servers: requested says whether the client asked for an
// answer, send delivers it.
func NewAck(requested bool, send func(args ...any) error) *Ack {
	return &Ack{requested: requested, send: send}
}

// Requested reports whether the client asked for an answer.
func (a *Ack) Requested() bool { return a != nil && a.requested }

// Send answers the client with args. It returns ErrNoAck when the client
// asked for none and ErrAckSent when called twice.
func (a *Ack) Send(args ...any) error {
	if !a.Requested() {
		return ErrNoAck
	}
	if !a.sent.CompareAndSwap(false, true) {
		return ErrAckSent
	}
	return a.send(args...)
}

// Messages a subscriber receives.
type (
	// Connected: a socket joined the namespace (after its middleware and
	// the server's connection handlers). Recovered is true for a socket
	// restored by connection state recovery: same id, rooms back.
	Connected struct {
		Socket    Socket
		Handshake Handshake
		Recovered bool
	}
	// Event is an event a client sent.
	Event struct {
		Socket Socket
		Name   string
		Args   Args
		Ack    *Ack
	}
	// Disconnecting: the socket is leaving; it is still in its rooms.
	Disconnecting struct {
		Socket Socket
		Reason string
	}
	// Disconnected: the socket has left (Node's reasons: "client namespace
	// disconnect", "transport close", "ping timeout"...). It is sent as the
	// socket leaves, before the server's own disconnect handlers run, so a
	// recovered socket's Connected always comes after it.
	Disconnected struct {
		Socket Socket
		Reason string
	}
)

// Subscribe makes Subscriber receive the socket messages of namespace Nsp,
// or of one socket of it when Socket is set.
type Subscribe struct {
	Nsp        string
	Socket     string
	Subscriber *actor.PID
}

// Unsubscribe undoes a Subscribe.
type Unsubscribe Subscribe

// Emit sends an event: to one socket when Socket is set (wherever it is in
// the cluster), else to the rooms in To (every socket of Nsp when empty)
// but those in Except.
type Emit struct {
	Nsp        string
	Socket     string
	To         []string
	Except     []string
	Event      string
	Args       []any
	Volatile   bool
	NoCompress bool
	// Local keeps a broadcast on this server when clustered.
	Local bool
}

// EmitWithAck is an Emit whose answers come back as an AckResult, to
// ReplyTo, else to the sender (ctx.Request). Timeout bounds the wait (zero:
// the server's AckTimeout, or none).
type EmitWithAck struct {
	Emit
	Timeout time.Duration
	ReplyTo *actor.PID
}

// AckResult carries an EmitWithAck's answers: one per client that answered
// in time; Err when some did not (their answers are missing) or the emit
// failed.
type AckResult struct {
	Answers []Args
	Err     error
}

// Join, Leave and Disconnect act on one socket, wherever it is in the
// cluster, as RemoteSocket does.
type (
	Join struct {
		Nsp, Socket string
		Rooms       []string
	}
	Leave struct {
		Nsp, Socket string
		Rooms       []string
	}
	Disconnect struct {
		Nsp, Socket string
		// Close closes the client's whole connection, not just this
		// namespace.
		Close bool
	}
)

// Done answers a command sent with ctx.Request: Command is the message
// answered, Err nil when it was carried out.
type Done struct {
	Command any
	Err     error
}

// Watch asks for an Ended, sent to Watcher (else to the sender of a
// ctx.Request), when the socket disconnects; at once when it is not
// connected to this server.
type Watch struct {
	Nsp, Socket string
	Watcher     *actor.PID
}

// Ended tells a watcher its socket is gone.
type Ended struct {
	Socket Socket
	Reason string
}

// WatchRoom asks for a RoomEnded, sent to Watcher (else to the sender of a
// ctx.Request), when the room empties on this server; at once when it has
// no member here.
type WatchRoom struct {
	Nsp, Room string
	Watcher   *actor.PID
}

// RoomEnded tells a watcher its room is gone.
type RoomEnded struct{ Nsp, Room string }

// Requests, answered with Respond.
type (
	// RoomMembers asks for the ids of a room's sockets on this server.
	RoomMembers      struct{ Nsp, Room string }
	RoomMembersReply struct{ IDs []string }
	// RoomSize asks how many sockets of this server are in a room.
	RoomSize      struct{ Nsp, Room string }
	RoomSizeReply struct{ Size int }
	// SocketRooms asks for the rooms of a socket of this server.
	SocketRooms      struct{ Nsp, Socket string }
	SocketRoomsReply struct {
		Rooms []string
		Found bool
	}
	// FetchSockets asks for the sockets of the rooms in Rooms (all when
	// empty) but those in Except, across the cluster, as Node's
	// fetchSockets. Timeout bounds the wait for other servers (zero: 5 s).
	FetchSockets struct {
		Nsp     string
		Rooms   []string
		Except  []string
		Timeout time.Duration
	}
	FetchSocketsReply struct {
		Sockets []SocketInfo
		Err     error
	}
)

// SocketInfo describes a socket found by FetchSockets.
type SocketInfo struct {
	Socket Socket
	Rooms  []string
	// Data is the socket's data as JSON.
	Data json.RawMessage
}
