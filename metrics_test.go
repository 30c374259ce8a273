package actorio_test

import (
	"testing"

	"github.com/actorio/actorio"
	"github.com/prometheus/client_golang/prometheus"
)

// metric reads one value from a registry: name, then label pairs.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestMetricsMove(t *testing.T) {
	srv, base := startServer(t, nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	srv.OnConnection(func(s *actorio.Socket) { s.Join("r") })

	c := dialSIO(t, base)
	c.connect("")
	// The CONNECT reply comes before the connection handler's join.
	eventually(t, "the socket in r", func() bool { return srv.Of("/").RoomSize("r") == 1 })
	if v := metric(t, reg, "actorio_connections", "transport", "websocket"); v != 1 {
		t.Errorf("websocket connections = %v", v)
	}
	if v := metric(t, reg, "actorio_sockets", "namespace", "/"); v != 1 {
		t.Errorf("sockets = %v", v)
	}
	if v := metric(t, reg, "actorio_rooms", "namespace", "/"); v != 2 { // its own and r
		t.Errorf("rooms = %v", v)
	}
	in := metric(t, reg, "actorio_packets_total", "direction", "in")
	_ = srv.To("r").Emit("hello")
	c.expect(`42["hello"]`)
	if v := metric(t, reg, "actorio_broadcasts_total"); v != 1 {
		t.Errorf("broadcasts = %v", v)
	}
	if v := metric(t, reg, "actorio_broadcast_deliveries_total"); v != 1 {
		t.Errorf("deliveries = %v", v)
	}
	c.send("41")
	eventually(t, "socket gone", func() bool { return srv.Of("/").SocketCount() == 0 })
	if v := metric(t, reg, "actorio_packets_total", "direction", "in"); v <= in {
		t.Errorf("packets in did not move: %v -> %v", in, v)
	}
	eventually(t, "disconnect counted", func() bool {
		return metric(t, reg, "actorio_socket_disconnects_total", "reason", "client namespace disconnect") == 1
	})
	c.c.Close()
	eventually(t, "connection close counted", func() bool {
		return metric(t, reg, "actorio_connection_closes_total", "reason", "transport close") == 1 &&
			metric(t, reg, "actorio_connections", "transport", "websocket") == 0
	})
}
