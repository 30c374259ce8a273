// Package emitter lets a Go process that is not a Socket.IO server (a
// worker, a cron job) emit to the rooms of a Socket.IO cluster through
// Redis: the Go counterpart of npm @socket.io/redis-emitter 5.1 (New) and
// of @socket.io/redis-streams-emitter 0.1 (NewStreams). Both return the
// same *Emitter: Of, To, In, Except, Volatile, Compress, Emit,
// SocketsJoin, SocketsLeave, DisconnectSockets and ServerSideEmit work
// alike whatever the cluster's adapter.
//
// New writes exactly what the npm redis-emitter publishes, so the servers
// of a cluster joined by @socket.io/redis-adapter 8.3 (createAdapter,
// Redis pub/sub) cannot tell the two apart:
//
//   - a broadcast is notepack-compatible msgpack ["emitter", packet, opts]
//     on the channel KEY#NSP#, or KEY#NSP#ROOM# when it targets exactly
//     one room (the adapter's per-room subscription);
//   - socketsJoin, socketsLeave, disconnectSockets and serverSideEmit are
//     JSON requests on KEY-request#NSP#.
//
// NewStreams writes what the npm redis-streams-emitter writes, for a
// cluster joined by @socket.io/redis-streams-adapter 0.3 (Node servers, or
// Actorio's adapter/redisstreams): every operation is an entry appended to
// the cluster's stream (XADD MAXLEN ~ MaxLen) with the fields uid
// ("emitter"), nsp, type (the cluster message type: 3 broadcast, 4 and 5
// socketsJoin and socketsLeave, 6 disconnectSockets, 9 serverSideEmit) and
// data, JSON or, when a broadcast or a serverSideEmit holds binary, base64
// @msgpack/msgpack; serverSideEmit goes to the stream too, where every
// server reads it. With the adapter's StreamCount, a namespace's entries
// go to the stream the adapter reads them from.
//
// Arguments are encoded with encoding/json's rules (struct tags, Marshaler
// types, sorted map keys); a []byte at any depth travels as binary, and a
// client receives it as a Buffer or ArrayBuffer. An argument that cannot
// be encoded is an error naming it: nothing is dropped. One byte-level
// difference with the npm streams emitter: in msgpack data, an integer of
// magnitude 2^53 or more is a 64-bit integer (as notepack.io writes it),
// where @msgpack/msgpack writes a float64; every reader gets the same
// number.
//
// It is not for the sharded adapter (createShardedAdapter, SPUBLISH),
// which no npm emitter serves either, and it has no acknowledgements or
// fetchSockets: an emitter is not a member of the cluster and receives
// nothing.
//
// Concurrency: an Emitter and a BroadcastOperator are immutable values;
// every modifier returns a new one, and all of them are safe for concurrent
// use, as the go-redis client is.
package emitter
