// Package adapter holds the cluster adapters: the in-memory default and the
// Redis adapter, which speaks @socket.io/redis-adapter's wire format so Go
// and Node servers can share one cluster. An adapter is called from the
// namespace actor; implementations must be safe for concurrent use.
package adapter
