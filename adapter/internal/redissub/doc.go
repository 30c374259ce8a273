// Package redissub is the Redis subscriber both Redis adapters read other
// servers' messages with: one Pub/Sub connection (SUBSCRIBE or, sharded,
// SSUBSCRIBE) and one goroutine that receives, reports the connection's
// state to a cluster.Link, and keeps receiving across a lost Redis: go-redis
// reconnects and subscribes again to every channel; this loop waits with
// backoff between attempts.
//
// Subscribe waits until Redis has confirmed the subscription, so that a
// message published once it returns reaches this server.
//
// Concurrency: Subscribe, Unsubscribe and Close may be called from any
// goroutine; the handler runs on the receiving goroutine, one message at a
// time, in the order Redis sent them.
package redissub
