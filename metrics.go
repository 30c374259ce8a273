package actorio

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/prometheus/client_golang/prometheus"
)

// serverStats are the Socket.IO layer's own counters.
type serverStats struct {
	broadcasts  atomic.Uint64
	deliveries  atomic.Uint64
	ackTimeouts atomic.Uint64

	mu           sync.Mutex
	disconnects  map[string]uint64    // socket disconnects by reason
	decodeErrors map[string]uint64    // events a handler could not take, by namespace
	queueRefused map[[2]string]uint64 // namespace handlers refused, by namespace and kind (namespace_queue.go)
}

// countQueueRefusal counts a handler a namespace's full queue refused.
func (s *serverStats) countQueueRefusal(nsp, kind string) {
	s.mu.Lock()
	if s.queueRefused == nil {
		s.queueRefused = map[[2]string]uint64{}
	}
	s.queueRefused[[2]string{nsp, kind}]++
	s.mu.Unlock()
}

// countDecodeError counts an event whose argument did not decode into a
// handler's type.
func (s *serverStats) countDecodeError(nsp string) {
	s.mu.Lock()
	if s.decodeErrors == nil {
		s.decodeErrors = map[string]uint64{}
	}
	s.decodeErrors[nsp]++
	s.mu.Unlock()
}

func (s *serverStats) disconnected(reason string) {
	s.mu.Lock()
	if s.disconnects == nil {
		s.disconnects = map[string]uint64{}
	}
	s.disconnects[reason]++
	s.mu.Unlock()
}

// countAckTimeout counts an EmitWithAck that ended without its answer.
func (s *serverStats) countAckTimeout(err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrAckTimeout) {
		s.ackTimeouts.Add(1)
	}
}

// Metrics is a prometheus.Collector of a server's figures. Register it in
// a registry of your own (Actorio touches no global one):
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(srv.Metrics())
type Metrics struct {
	srv *Server

	connections, opened, upgrades, sockets, rooms, packets, bytes,
	broadcasts, deliveries, volatileDrops, slowConsumers, engineCloses,
	disconnects, ackTimeouts, decodeErrors, queueRefused, queueBytes, queueFrames, actorFailures *prometheus.Desc

	inboundPauses, inboundCloses *prometheus.Desc

	connErrors *prometheus.Desc

	adapterConnected, adapterReconnects, adapterPublishErrors *prometheus.Desc

	limits limitMetrics
}

// Metrics returns the server's collector.
func (s *Server) Metrics() *Metrics {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("actorio_"+name, help, labels, nil)
	}
	return &Metrics{
		srv:           s,
		connections:   d("connections", "Open Engine.IO connections.", "transport"),
		opened:        d("connections_opened_total", "Engine.IO connections opened."),
		upgrades:      d("upgrades_total", "Upgrades from polling to WebSocket."),
		sockets:       d("sockets", "Connected sockets.", "namespace"),
		rooms:         d("rooms", "Rooms with members, sockets' own rooms included.", "namespace"),
		packets:       d("packets_total", "Engine.IO packets.", "direction"),
		bytes:         d("bytes_total", "Engine.IO packet payload bytes.", "direction"),
		broadcasts:    d("broadcasts_total", "Broadcasts emitted."),
		deliveries:    d("broadcast_deliveries_total", "Broadcast packets handed to a local recipient."),
		volatileDrops: d("volatile_drops_total", "Volatile packets dropped for clients that could not take them."),
		slowConsumers: d("slow_consumer_disconnects_total", "Connections closed for not reading fast enough."),
		engineCloses:  d("connection_closes_total", "Engine.IO connections closed, by reason.", "reason"),
		disconnects:   d("socket_disconnects_total", "Socket disconnections, by reason.", "reason"),
		ackTimeouts:   d("ack_timeouts_total", "EmitWithAck calls that ended without every answer."),
		decodeErrors:  d("event_decode_errors_total", "Events with an argument that did not decode into a handler's declared type; that handler was not called.", "namespace"),
		queueRefused:  d("namespace_handlers_refused_total", "Room-event and server-side-emit handlers a namespace refused because NamespaceQueue handlers were already waiting, by namespace and kind (room_event, server_side_emit).", "namespace", "kind"),
		queueBytes:    d("outbound_queue_bytes", "Bytes queued for WebSocket clients, not yet written."),
		queueFrames:   d("outbound_queue_frames", "Frames queued for WebSocket clients, not yet written."),
		actorFailures: d("actor_failures_total", "Actors that failed and were stopped by their supervisor, by kind.", "kind"),

		inboundPauses: d("inbound_pauses_total", "Times reading a client paused because its handlers fell behind (InboundLimits)."),
		inboundCloses: d("inbound_backlog_closes_total", "Connections closed because their handlers fell behind (InboundLimits)."),

		connErrors: d("connection_errors_total", "Requests refused with an Engine.IO error (Node's connection_error), by code: 0 unknown transport, 1 unknown session id, 2 bad handshake method, 3 bad request, 4 forbidden, 5 unsupported protocol version.", "code"),

		adapterConnected:     d("adapter_connected", "1 while the cluster adapter reaches its broker (Redis), 0 while it does not; absent without a network adapter."),
		adapterReconnects:    d("adapter_reconnects_total", "Times the cluster adapter lost its broker connection and regained it."),
		adapterPublishErrors: d("adapter_publish_errors_total", "Messages the cluster adapter could not send to the other servers."),

		limits: newLimitMetrics(d),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.connections, m.opened, m.upgrades, m.sockets, m.rooms, m.packets,
		m.bytes, m.broadcasts, m.deliveries, m.volatileDrops, m.slowConsumers, m.engineCloses, m.disconnects,
		m.ackTimeouts, m.decodeErrors, m.queueRefused, m.queueBytes, m.queueFrames, m.actorFailures, m.inboundPauses, m.inboundCloses,
		m.adapterConnected, m.adapterReconnects, m.adapterPublishErrors, m.connErrors} {
		ch <- d
	}
	m.limits.describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	e, s := &m.srv.engine.stats, &m.srv.stats
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(m.connections, float64(e.OpenPolling.Load()), "polling")
	gauge(m.connections, float64(e.OpenWebSocket.Load()), "websocket")
	counter(m.opened, e.Opened.Load())
	counter(m.upgrades, e.Upgrades.Load())
	counter(m.packets, e.PacketsIn.Load(), "in")
	counter(m.packets, e.PacketsOut.Load(), "out")
	counter(m.bytes, e.BytesIn.Load(), "in")
	counter(m.bytes, e.BytesOut.Load(), "out")
	counter(m.volatileDrops, e.VolatileDrops.Load())
	counter(m.slowConsumers, e.SlowConsumers.Load())
	counter(m.actorFailures, e.SessionFailures.Load(), actors.KindSession)
	counter(m.actorFailures, e.NamespaceFailures.Load(), actors.KindNamespace)
	counter(m.actorFailures, e.RoomFailures.Load(), actors.KindRoom)
	counter(m.actorFailures, e.GatewayFailures.Load(), actors.KindGateway)
	counter(m.inboundPauses, e.InboundPauses.Load())
	counter(m.inboundCloses, e.InboundBacklogCloses.Load())
	for code := range m.srv.engine.connErrors {
		counter(m.connErrors, m.srv.engine.connErrors[code].Load(), connErrorLabels[code])
	}
	for reason, n := range e.Closes() {
		counter(m.engineCloses, n, reason)
	}
	counter(m.broadcasts, s.broadcasts.Load())
	counter(m.deliveries, s.deliveries.Load())
	counter(m.ackTimeouts, s.ackTimeouts.Load())
	s.mu.Lock()
	for reason, n := range s.disconnects {
		counter(m.disconnects, n, reason)
	}
	for nsp, n := range s.decodeErrors {
		counter(m.decodeErrors, n, nsp)
	}
	for k, n := range s.queueRefused {
		counter(m.queueRefused, n, k[0], k[1])
	}
	s.mu.Unlock()
	for _, n := range m.srv.allNamespaces() {
		gauge(m.sockets, float64(n.SocketCount()), n.name)
		reply := make(chan []string, 1)
		rooms, _ := ask(n, &actors.ListRooms{Reply: reply}, reply)
		gauge(m.rooms, float64(len(rooms)), n.name)
	}
	if h, ok := m.srv.opts.Adapter.(adapter.HealthReporter); ok {
		health := h.Health()
		connected := 0.0
		if health.Connected {
			connected = 1
		}
		gauge(m.adapterConnected, connected)
		counter(m.adapterReconnects, health.Reconnects)
		counter(m.adapterPublishErrors, health.PublishErrors)
	}
	m.limits.collect(ch, m.srv)
	qb, qf := m.srv.engine.pool.Pending()
	gauge(m.queueBytes, float64(qb))
	gauge(m.queueFrames, float64(qf))
}

func (s *Server) allNamespaces() []*Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Namespace, 0, len(s.namespaces))
	for _, n := range s.namespaces {
		out = append(out, n)
	}
	return out
}
