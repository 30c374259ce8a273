// Package emitter lets a Go process that is not a Socket.IO server (a
// worker, a cron job) emit to the rooms of a Socket.IO cluster through
// Redis: the Go counterpart of npm @socket.io/redis-emitter 5.1.
//
// It publishes exactly what that package publishes, so the servers of a
// cluster joined by @socket.io/redis-adapter 8.3 (createAdapter, Redis
// pub/sub) cannot tell the two apart:
//
//   - a broadcast is notepack-compatible msgpack ["emitter", packet, opts]
//     on the channel KEY#NSP#, or KEY#NSP#ROOM# when it targets exactly
//     one room (the adapter's per-room subscription);
//   - socketsJoin, socketsLeave, disconnectSockets and serverSideEmit are
//     JSON requests on KEY-request#NSP#.
//
// Arguments are encoded with encoding/json's rules (struct tags, Marshaler
// types, sorted map keys); a []byte at any depth travels as binary, and a
// client receives it as a Buffer or ArrayBuffer. An argument that cannot
// be encoded is an error naming it: nothing is dropped.
//
// It is not for the sharded adapter (createShardedAdapter, SPUBLISH) nor
// the streams adapter, which the npm emitter does not serve either, and it
// has no acknowledgements or fetchSockets: an emitter is not a member of
// the cluster and receives nothing.
//
// Concurrency: an Emitter and a BroadcastOperator are immutable values;
// every modifier returns a new one, and all of them are safe for concurrent
// use, as the go-redis client is.
package emitter
