package actorio_test

import (
	"testing"

	"github.com/actorio/actorio"
	"github.com/prometheus/client_golang/prometheus"
)

// A broadcast's deliveries are counted once per broadcast, whichever actor
// fans it out: the packets and bytes out grow by what each recipient got.
func TestBroadcastCountsPacketsOut(t *testing.T) {
	srv, base := startServer(t, nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	sockets := make(chan *actorio.Socket, 3)
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("r")
		sockets <- s
	})
	clients := map[string]*wireClient{}
	var first *actorio.Socket
	for i := range 3 {
		c := dialSIO(t, base)
		id := c.connect("")
		clients[id] = c
		if i == 0 {
			first = <-sockets
		} else {
			<-sockets
		}
	}
	eventually(t, "three sockets in r", func() bool { return srv.Of("/").RoomSize("r") == 3 })

	const packet = `2["hello"]` // what BytesOut counts: the Socket.IO packet
	tests := []struct {
		name string
		op   *actorio.BroadcastOperator
		want int // recipients
	}{
		{"socket.To(r): the room actor", first.To("r"), 2},
		{"To(r, s): the namespace", srv.To("r", "s"), 3},
		{"socket.Broadcast(): the namespace", first.Broadcast(), 2},
	}
	for _, tt := range tests {
		packets := metric(t, reg, "actorio_packets_total", "direction", "out")
		bytes := metric(t, reg, "actorio_bytes_total", "direction", "out")
		if err := tt.op.Emit("hello"); err != nil {
			t.Fatalf("%s: Emit: %v", tt.name, err)
		}
		// A direct push is counted before Emit returns; one that waited in
		// the session's mailbox (behind an earlier delivery) when the
		// session sends it.
		out := func() (float64, float64) {
			return metric(t, reg, "actorio_packets_total", "direction", "out") - packets,
				metric(t, reg, "actorio_bytes_total", "direction", "out") - bytes
		}
		eventually(t, tt.name+" counted", func() bool { p, _ := out(); return p >= float64(tt.want) })
		if gotPackets, gotBytes := out(); gotPackets != float64(tt.want) || gotBytes != float64(tt.want*len(packet)) {
			t.Errorf("%s: out +%v packets, +%v bytes; want +%d, +%d", tt.name, gotPackets, gotBytes, tt.want, tt.want*len(packet))
		}
		for id, c := range clients {
			if id == first.ID() && tt.want == 2 {
				continue
			}
			c.expect("4" + packet)
		}
	}
}
