// Package adapter is the seam between a server and the other servers of a
// cluster: the Adapter interface, with the semantics of Node's
// socket.io-adapter (broadcast, broadcast with acks, fetchSockets,
// addSockets/delSockets, disconnectSockets, serverSideEmit, serverCount),
// and InMemory, the default for a single server, which does nothing
// because there is nobody else.
//
// A server does its local part itself, in its actors, then calls the
// Adapter for the rest of the cluster: an Adapter never touches local
// sockets directly. What other servers ask of this one it applies through
// Local, which the server hands it once with Attach. Packets cross as
// *sio.Packet and arguments as encoded bytes, so an adapter serializes
// them in whatever wire format its transport needs.
//
// It is not a cluster implementation: adapter/redis is one, in the wire
// format of Node's @socket.io/redis-adapter, so that Go and Node servers
// share a cluster. The root package's adapter_seam_test.go drives two
// servers through a test adapter.
//
// Concurrency: the server calls Adapter methods from any goroutine,
// concurrently (the one that emits, after local delivery), so
// implementations must be safe for concurrent use and must honour ctx.
// Local's methods are safe from any goroutine and return once the local
// part is done; BroadcastWithAck's callbacks may be called from other
// goroutines.
package adapter
