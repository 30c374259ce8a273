package actorio

import "github.com/prometheus/client_golang/prometheus"

// limitMetrics are the figures of the limits (limits.go, eventlimit.go),
// part of Metrics.
type limitMetrics struct {
	refused, addresses, events *prometheus.Desc
}

func newLimitMetrics(d func(name, help string, labels ...string) *prometheus.Desc) limitMetrics {
	return limitMetrics{
		refused:   d("connections_refused_total", "Handshakes and WebSocket requests refused by the connection limits or for their Origin, by reason (rate, per_address, total, addresses, origin).", "reason"),
		addresses: d("limit_tracked_addresses", "Client addresses the connection limits remember (at most ConnLimits.MaxAddresses)."),
		events:    d("events_rate_limited_total", "Events over a socket's EventLimit, by what was done (refused, disconnected).", "action"),
	}
}

func (m limitMetrics) describe(ch chan<- *prometheus.Desc) {
	ch <- m.refused
	ch <- m.addresses
	ch <- m.events
}

func (m limitMetrics) collect(ch chan<- prometheus.Metric, s *Server) {
	a := s.engine.admission
	for _, reason := range refusalReasons {
		ch <- prometheus.MustNewConstMetric(m.refused, prometheus.CounterValue, float64(a.refused[reason].Load()), reason)
	}
	ch <- prometheus.MustNewConstMetric(m.addresses, prometheus.GaugeValue, float64(a.tracked()))
	var refused, disconnected uint64
	if l := s.events; l != nil {
		refused, disconnected = l.refused.Load(), l.disconnected.Load()
	}
	ch <- prometheus.MustNewConstMetric(m.events, prometheus.CounterValue, float64(refused), "refused")
	ch <- prometheus.MustNewConstMetric(m.events, prometheus.CounterValue, float64(disconnected), "disconnected")
}
