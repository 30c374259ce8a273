// Package actors holds the session, namespace and room actors and their
// messages. Joins, leaves, broadcasts, heartbeat timeouts and backpressure
// decisions are serialized mailbox events here, not mutex-guarded maps.
//
// It imports protocol/ and the transport's small connection interface, never
// net/http or gobwas/ws. Actor messages are small unexported structs sent as
// pointers and never changed after sending.
package actors
