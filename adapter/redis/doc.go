// Package redis is a cluster adapter over Redis pub/sub that speaks the
// wire format of npm @socket.io/redis-adapter 8.3 (createAdapter), so that
// Actorio servers and Node socket.io servers share one cluster, and a Node
// @socket.io/redis-emitter reaches Actorio's clients.
//
// Channels, with Key ("socket.io" by default) and a namespace nsp:
//
//	Key#nsp#              broadcasts (msgpack [uid, packet, opts])
//	Key#nsp#room#         a broadcast to exactly one room
//	Key-request#nsp#      requests (JSON; msgpack for BROADCAST with acks)
//	Key-response#nsp#     responses (JSON; msgpack for BROADCAST_ACK)
//	Key-response#nsp#uid# responses for one server (PublishOnSpecificResponseChannel)
//
// The server count is PUBSUB NUMSUB of the request channel: a server that
// is gone (its connection closed) is no longer counted.
//
// It is not the sharded adapter (SSUBSCRIBE) nor the streams adapter, and it
// keeps no sessions for connection state recovery: with it, each server
// records its own clients' packets.
//
// Failure: New fails when Redis does not answer. While running, a Redis
// that goes away does not stop local delivery: Broadcast returns an error
// within about a second (every command is bounded), requests fail after
// RequestsTimeout, and the subscription is made again, with backoff, once
// Redis is back (go-redis's PubSub reconnects and resubscribes; the adapter
// logs the loss and the return and reports them in Health). A connection
// that dies silently is found by the idle ping or TCP keepalive. Use a
// client with ContextTimeoutEnabled so that a stalled (not refused)
// connection is bounded by the same short contexts.
//
// Concurrency: every method is safe for concurrent use. One goroutine reads
// the subscription and hands each message to its namespace's worker, which
// applies them one at a time in the order Redis delivered them. Close stops
// them all and fails the requests still waiting.
package redis
