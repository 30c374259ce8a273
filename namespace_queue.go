package actorio

// A namespace's lane runs handlers that no client's credit bounds: room
// events (OnRoomEvent), which the namespace actor produces with every join
// and leave, and other servers' events (OnServerSideEmit), which the
// adapter produces. Neither producer may wait, since one is an actor and
// the other carries the whole cluster's traffic, so the lane's queue is
// bounded instead: past NamespaceQueue waiting handlers, a new one is
// refused, counted and logged, and the namespace goes on.

import "sync/atomic"

// DefaultNamespaceQueue is Options.NamespaceQueue's default. The namespace
// actor runs ahead of the handlers in bursts (each connecting socket makes
// two room events, and on one busy core 10,000 connects queued more than
// 4096 of them with a handler that only updates a map), so the bound is
// for a handler that is stuck, not one that is busy: at about 130 bytes a
// waiting handler, 65536 of them hold about 8 MiB.
const DefaultNamespaceQueue = 65536

// Kinds of handler a namespace's queue refuses, the label of
// actorio_namespace_handlers_refused_total.
const (
	queuedRoomEvent  = "room_event"
	queuedServerSide = "server_side_emit"
)

// namespaceQueue is a namespace's side of the bound.
type namespaceQueue struct {
	full atomic.Bool // refusing since the last handler it took: one warning per episode
}

// runQueued queues f on n's lane, or refuses it when NamespaceQueue
// handlers already wait there: then it counts and logs the refusal.
func (n *Namespace) runQueued(kind string, f func()) {
	limit := n.server.opts.NamespaceQueue
	if n.lane.runBounded(f, limit) {
		n.queue.full.Store(false)
		return
	}
	n.server.stats.countQueueRefusal(n.name, kind)
	log := n.server.nspLog.Debug()
	if !n.queue.full.Swap(true) {
		log = n.server.nspLog.Warn()
	}
	log.Str("nsp", n.name).Str("kind", kind).Int("limit", limit).Msg("namespace queue full: handlers refused until it drains")
}
