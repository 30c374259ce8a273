package actorio

// What Node's io offers for its main namespace without io.of("/"), and its
// "new_namespace" event.

import (
	"context"
	"slices"
	"time"
)

// OnNewNamespace registers f, called with each namespace created from now
// on: by Of, and each child a ParentNamespace (OfFunc, OfRegexp) creates
// for a client. As in Node, namespaces that exist already are not
// reported, nor is the main namespace "/" (it exists from the start); use
// Of to reach them. f runs on the goroutine that created the namespace
// (the caller of Of; for a child, the goroutine of the socket that asked
// for it, before that socket's connect middleware, so middleware f adds
// with Use applies to it), after the namespace is registered: Of called
// meanwhile on another goroutine may return it before f has run.
// Node: io.on("new_namespace", (nsp) => {}).
func (s *Server) OnNewNamespace(f func(*Namespace)) {
	s.mu.Lock()
	s.onNewNsp = append(slices.Clip(s.onNewNsp), f)
	s.mu.Unlock()
}

// Except starts a broadcast to every socket of the main namespace but those
// in rooms. Node: io.except(room).
func (s *Server) Except(rooms ...string) *BroadcastOperator { return s.Of("/").Except(rooms...) }

// Volatile starts a broadcast to the main namespace that may be dropped
// for clients that cannot take it now. Node: io.volatile.
func (s *Server) Volatile() *BroadcastOperator { return s.Of("/").Volatile() }

// Compress(false) starts a broadcast to the main namespace sent
// uncompressed. Node: io.compress(false).
func (s *Server) Compress(on bool) *BroadcastOperator { return s.Of("/").Compress(on) }

// Timeout starts a broadcast to the main namespace whose acks are awaited
// for d at most. Node: io.timeout(t).
func (s *Server) Timeout(d time.Duration) *BroadcastOperator { return s.Of("/").Timeout(d) }

// EmitWithAck broadcasts to every socket of the main namespace and
// collects one answer from each (see BroadcastOperator.EmitWithAck).
// Node: io.emitWithAck (io.timeout(t).emitWithAck).
func (s *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return s.Of("/").EmitWithAck(ctx, event, args...)
}

// SocketsJoin makes every socket of the main namespace, cluster-wide, join
// rooms. Node: io.socketsJoin(rooms).
func (s *Server) SocketsJoin(rooms ...string) error { return s.Of("/").SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the main namespace, cluster-wide,
// leave rooms. Node: io.socketsLeave(rooms).
func (s *Server) SocketsLeave(rooms ...string) error { return s.Of("/").SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the main namespace,
// cluster-wide (closing their whole connection with close).
// Node: io.disconnectSockets(close).
func (s *Server) DisconnectSockets(close bool) error { return s.Of("/").DisconnectSockets(close) }

// Compress(false) starts a broadcast to the namespace sent uncompressed.
// Node: nsp.compress(false).
func (n *Namespace) Compress(on bool) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).Compress(on)
}
