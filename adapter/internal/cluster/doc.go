// Package cluster is a Go port of the message protocol of Node's
// socket.io-adapter ClusterAdapter (lib/cluster-adapter.ts), which the Redis
// sharded adapter and the Redis streams adapter build on: the thirteen
// MessageTypes, the ClusterMessage and ClusterResponse shapes
// ({uid, nsp, type, data}), requests that wait for serverCount-1 answers
// until a timeout, broadcasts with acks, fetchSockets and serverSideEmit
// with acks.
//
// It knows no transport. A concrete adapter gives Core a Transport (how a
// message reaches every other server, how a response reaches one, how many
// servers there are) and hands Core what it receives with OnMessage and
// OnResponse. Message encodes and decodes itself in the forms the Node
// adapters put on the wire (JSON.stringify, or msgpack when the message
// holds binary), with the value package's model, so nothing a client
// would see (key order, binary, integers) is lost between Go and Node.
//
// It is not an adapter.Adapter by itself: the concrete adapter owns its
// connections, subscriptions and Close. Link is the connection state both
// Redis adapters report through adapter.HealthReporter.
//
// Concurrency: Core's methods are safe for concurrent use. OnMessage and
// OnResponse apply a message to the server synchronously, in the order
// they are called (a join before the broadcast that follows it); answers
// to other servers go out through one queue, off the caller's goroutine.
package cluster
