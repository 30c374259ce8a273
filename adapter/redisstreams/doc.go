// Package redisstreams is a cluster adapter that speaks the wire format of
// npm @socket.io/redis-streams-adapter 0.3, so Actorio and Node socket.io
// servers share one cluster through one Redis.
//
// What crosses servers goes as that adapter sends it: broadcasts, joins,
// leaves and disconnections are appended (XADD, MAXLEN ~ MaxLen) to a Redis
// stream as entries {uid, nsp, type, data}, data JSON or base64 msgpack
// when it holds binary, and every server reads the stream (XREAD BLOCK on a
// connection of its own); broadcasts with acks, serverSideEmit and
// fetchSockets, and the answers to them, go over Pub/Sub channels
// "<ChannelPrefix>#<nsp>#" and "<ChannelPrefix>#<nsp>#<uid>#" as msgpack.
// The server count is the public channel's subscriber count (NUMSUB).
//
// It keeps connection state recovery in Redis (adapter.SessionStore): a
// broadcast's offset is its stream entry id, a disconnected socket's
// session is stored under "<SessionKeyPrefix><pid>" for the server's
// recovery duration, and a client that reconnects to any server of the
// cluster, Node or Go, gets its id, rooms, data and the broadcasts it
// missed, read back from the stream.
//
// When Redis is lost, local delivery goes on, publishing and cluster
// requests fail with an error (requests at the latest after their timeout),
// and the adapter reconnects with backoff: it subscribes again and resumes
// reading the stream after the last entry it read. Health reports the
// state; one log line says when it is lost and one when it is back.
//
// It is not the classic @socket.io/redis-adapter (package adapter/redis).
// A process that is not a server emits to such a cluster with
// adapter/redis/emitter's NewStreams, which appends to the stream as the
// adapter does.
//
// Concurrency: an Adapter is safe for concurrent use. Messages from other
// servers are applied in stream order, on one goroutine per stream.
package redisstreams
