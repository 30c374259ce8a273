// Package streamwire is where and how npm @socket.io/redis-streams-adapter
// 0.3 keeps a cluster message in Redis: an entry of the namespace's stream
// (XADD MAXLEN ~), fields uid, nsp, type (a decimal string) and data (JSON,
// or base64 msgpack when it holds binary), and the stream a namespace's
// entries go to when the adapter spreads namespaces over several streams.
//
// Both writers of that stream share it: the adapter (adapter/redisstreams)
// and the Go emitter (adapter/redis/emitter's NewStreams), so an entry from
// either reads the same to every server, Node or Go.
//
// It is not the adapter's Pub/Sub side (ephemeral messages and answers are
// plain msgpack cluster messages) nor its recovery sessions.
//
// Concurrency: it holds no state; its functions are safe for concurrent use.
package streamwire
