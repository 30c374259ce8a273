package actors

import (
	"sync"
	"sync/atomic"
)

// Stats are an Engine's counters, shared by its sessions and read by the
// metrics collector. The zero value is ready; a nil *Stats counts nothing.
type Stats struct {
	Opened        atomic.Uint64
	Upgrades      atomic.Uint64
	PacketsIn     atomic.Uint64
	BytesIn       atomic.Uint64
	PacketsOut    atomic.Uint64
	BytesOut      atomic.Uint64
	VolatileDrops atomic.Uint64
	SlowConsumers atomic.Uint64
	OpenPolling   atomic.Int64
	OpenWebSocket atomic.Int64
	// Failures of actors, stopped by their supervisor, by kind.
	SessionFailures, NamespaceFailures, RoomFailures, GatewayFailures atomic.Uint64

	// InboundPauses counts the times reading a client paused for its
	// inbound backlog; InboundBacklogCloses the sessions closed for it.
	InboundPauses        atomic.Uint64
	InboundBacklogCloses atomic.Uint64

	mu       sync.Mutex
	byReason map[string]uint64
}

// Closes returns the sessions closed so far, by reason.
func (s *Stats) Closes() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]uint64, len(s.byReason))
	for k, v := range s.byReason {
		out[k] = v
	}
	return out
}

func (s *Stats) closed(reason string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.byReason == nil {
		s.byReason = map[string]uint64{}
	}
	s.byReason[reason]++
	s.mu.Unlock()
}

func (s *Stats) transportGauge(ws bool) *atomic.Int64 {
	if ws {
		return &s.OpenWebSocket
	}
	return &s.OpenPolling
}

// failure counts one failed actor of kind.
func (s *Stats) failure(kind string) {
	if s == nil {
		return
	}
	switch kind {
	case KindSession:
		s.SessionFailures.Add(1)
	case KindNamespace:
		s.NamespaceFailures.Add(1)
	case KindRoom:
		s.RoomFailures.Add(1)
	case KindGateway:
		s.GatewayFailures.Add(1)
	}
}
