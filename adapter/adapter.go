package adapter

import (
	"context"
	"errors"

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
	// Broadcast sends p to the matching sockets of the other servers.
	Broadcast(ctx context.Context, p *sio.Packet, opts BroadcastOptions) error
	// BroadcastWithAck is Broadcast with acks: clientCount is called once
	// per server with how many clients got the packet there, ack with each
	// answer, until ctx ends.
	BroadcastWithAck(ctx context.Context, p *sio.Packet, opts BroadcastOptions, clientCount func(int), ack func(args [][]byte)) error
	// FetchSockets returns the matching sockets of the other servers.
	FetchSockets(ctx context.Context, nsp string, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets, DelSockets and DisconnectSockets apply to the matching
	// sockets of the other servers.
	AddSockets(ctx context.Context, nsp string, opts BroadcastOptions, rooms []string) error
	DelSockets(ctx context.Context, nsp string, opts BroadcastOptions, rooms []string) error
	DisconnectSockets(ctx context.Context, nsp string, opts BroadcastOptions, close bool) error
	// ServerSideEmit sends an event to the other servers' namespace nsp.
	ServerSideEmit(ctx context.Context, nsp string, args [][]byte) error
	// ServerCount is how many servers the cluster has, this one included.
	ServerCount(ctx context.Context) (int, error)
	// Close leaves the cluster.
	Close() error
}

// Local is the server's side, for what other servers ask of it.
type Local interface {
	// Broadcast delivers p to the local sockets opts address.
	Broadcast(p *sio.Packet, opts BroadcastOptions)
	// BroadcastWithAck delivers p (its ack id set by the server that sent
	// it) and reports how many local clients got it, then each answer.
	BroadcastWithAck(p *sio.Packet, opts BroadcastOptions, clientCount func(int), ack func(args [][]byte))
	// FetchSockets describes the local sockets opts address.
	FetchSockets(nsp string, opts BroadcastOptions) []SocketInfo
	AddSockets(nsp string, opts BroadcastOptions, rooms []string)
	DelSockets(nsp string, opts BroadcastOptions, rooms []string)
	DisconnectSockets(nsp string, opts BroadcastOptions, close bool)
	// ServerSideEmit runs the namespace's server-side handlers.
	ServerSideEmit(nsp string, args [][]byte)
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

// ErrNotClustered is returned by a request that needs other servers.
var ErrNotClustered = errors.New("adapter: not clustered")
