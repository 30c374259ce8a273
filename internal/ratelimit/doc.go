// Package ratelimit holds the bookkeeping of Actorio's limits: a token
// bucket (Bucket) and a bounded table of per-address state (Table) for the
// connection limits.
//
// It is not a policy: callers decide what a refusal means and answer it.
// Bucket is not safe for concurrent use (each socket's lives in its session
// actor); Table is, and its memory is bounded whatever the keys it is fed.
package ratelimit
