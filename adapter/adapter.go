package adapter

import (
	"context"
	"time"

	"github.com/actorio/actorio/protocol/sio"
)

// Adapter connects a server's namespaces to the other servers of a
// cluster, with the semantics of Node's socket.io-adapter. The server's own
// sockets and rooms live in its actors; an Adapter only carries what must
// cross servers, and applies what other servers send through Local.
//
// Every method may be called concurrently from any goroutine.
type Adapter interface {
	// Attach hands the adapter the server's local side, once, before use.
	Attach(local Local) error
	// AddNamespace tells the adapter of a namespace the server now has
	// (Node creates an adapter per namespace): "/" at Attach, others when
	// they are first used. Messages for namespaces it was not told of are
	// not for this server.
	AddNamespace(nsp string) error
	// Broadcast sends p to the matching sockets of the other servers.
	Broadcast(ctx context.Context, p *sio.Packet, opts BroadcastOptions) error
	// BroadcastWithAck is Broadcast with acks: clientCount is called once
	// per server with how many clients got the packet there, ack with each
	// answer (its first argument, as Node sends it), until ctx ends.
	BroadcastWithAck(ctx context.Context, p *sio.Packet, opts BroadcastOptions, clientCount func(int), ack func(Args)) error
	// FetchSockets returns the matching sockets of the other servers.
	FetchSockets(ctx context.Context, nsp string, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets, DelSockets and DisconnectSockets apply to the matching
	// sockets of the other servers.
	AddSockets(ctx context.Context, nsp string, opts BroadcastOptions, rooms []string) error
	DelSockets(ctx context.Context, nsp string, opts BroadcastOptions, rooms []string) error
	DisconnectSockets(ctx context.Context, nsp string, opts BroadcastOptions, close bool) error
	// ServerSideEmit sends an event to the other servers' namespace nsp;
	// args.Raw[0] is the event name.
	ServerSideEmit(ctx context.Context, nsp string, args Args) error
	// ServerSideEmitWithAck is ServerSideEmit asking every other server for
	// one answer: it returns them once all have answered, or what came
	// with an error when ctx ends first.
	ServerSideEmitWithAck(ctx context.Context, nsp string, args Args) ([]Args, error)
	// AllRooms returns the rooms of namespace nsp on the other servers.
	AllRooms(ctx context.Context, nsp string) ([]string, error)
	// ServerCount is how many servers the cluster has, this one included.
	ServerCount(ctx context.Context) (int, error)
	// Close leaves the cluster.
	Close() error
}

// Local is the server's side, for what other servers ask of it.
type Local interface {
	// Format is the packet format of the server's packets and Args.
	Format() Format
	// RecoveryDuration is how long the server keeps sessions for
	// connection state recovery; zero when recovery is off.
	RecoveryDuration() time.Duration
	// Broadcast delivers p to the local sockets opts address. offset, when
	// not empty, is the cluster's name for the packet (a stream entry id),
	// appended to its data for connection state recovery; when empty the
	// server names it itself if it records packets.
	Broadcast(p *sio.Packet, opts BroadcastOptions, offset string)
	// BroadcastWithAck delivers p with an ack id of the server's own and
	// reports how many local clients got it, then each answer.
	BroadcastWithAck(p *sio.Packet, opts BroadcastOptions, clientCount func(int), ack func(Args))
	// FetchSockets describes the local sockets opts address.
	FetchSockets(nsp string, opts BroadcastOptions) []SocketInfo
	AddSockets(nsp string, opts BroadcastOptions, rooms []string)
	DelSockets(nsp string, opts BroadcastOptions, rooms []string)
	DisconnectSockets(nsp string, opts BroadcastOptions, close bool)
	// ServerSideEmit runs the namespace's server-side handlers with args
	// (Raw[0] the event name). ack is nil unless the sender asked for an
	// answer; then the first handler's answer goes to it, once.
	ServerSideEmit(nsp string, args Args, ack func(Args))
	// Rooms lists the namespace's local rooms (socket ids included, as
	// Node's adapter.rooms).
	Rooms(nsp string) []string
}

// Format is how a server encodes packet data: what Args and sio.Packet
// data bytes hold.
type Format int

const (
	// FormatJSON is socket.io-parser's: JSON, binary as placeholders
	// ({"_placeholder":true,"num":N}) that refer to attachments.
	FormatJSON Format = iota
	// FormatMsgpack is socket.io-msgpack-parser's: msgpack, binary inline.
	FormatMsgpack
)

// Args are encoded values in the server's Format: each element of Raw is
// one value; with FormatJSON, binary inside them is a placeholder that
// refers to Attachments by index.
type Args struct {
	Raw         [][]byte
	Attachments [][]byte
}

// BroadcastOptions address a broadcast, as Node's BroadcastOptions.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  Flags
}

// Flags are a broadcast's flags.
type Flags struct {
	Volatile bool
	Compress bool
	Local    bool
	// TimeoutMillis bounds a broadcast with acks; zero means none.
	TimeoutMillis int64
}

// SocketInfo describes a socket of another server, as fetchSockets
// reports it.
type SocketInfo struct {
	ID        string
	Rooms     []string
	Data      []byte // JSON
	Handshake []byte // JSON
}

// SessionStore is implemented by an adapter that keeps connection state
// recovery in the cluster (Node's persistSession and restoreSession), so a
// client can recover on any server. With one, the server records nothing
// itself: every recorded packet's offset comes from the store.
type SessionStore interface {
	// BroadcastOffset is Broadcast that returns the name the cluster gave
	// the packet, which the server appends to its data for its own clients.
	BroadcastOffset(ctx context.Context, p *sio.Packet, opts BroadcastOptions) (offset string, err error)
	// PersistSession keeps a disconnected socket's session for the server's
	// RecoveryDuration.
	PersistSession(ctx context.Context, s Session) error
	// RestoreSession takes the session of pid (once) and the packets of
	// namespace nsp it missed after offset, each with its offset appended.
	// A session or offset that is not found is an error.
	RestoreSession(ctx context.Context, nsp, pid, offset string) (*Session, error)
}

// Session is a disconnected socket's state, as Node's Session.
type Session struct {
	SID   string
	PID   string
	Rooms []string
	Data  []byte // JSON; nil means none
	// Missed are the packets to replay, filled by RestoreSession.
	Missed []*sio.Packet
}

// RoomWatcher is implemented by an adapter that subscribes per room (the
// sharded adapter's dynamic mode). The server calls it from its namespace
// actor, so it must not block.
type RoomWatcher interface {
	RoomCreated(nsp, room string)
	RoomDeleted(nsp, room string)
}

// HealthReporter is implemented by a network adapter so that the server's
// metrics and logs can show its state.
type HealthReporter interface {
	Health() Health
}

// Health is a network adapter's state.
type Health struct {
	// Connected is false while the adapter cannot reach its broker; local
	// delivery goes on meanwhile, cluster requests fail after their timeout.
	Connected bool
	// Reconnects counts the times the connection was lost and regained.
	Reconnects uint64
	// PublishErrors counts messages that could not be sent to the cluster.
	PublishErrors uint64
}
