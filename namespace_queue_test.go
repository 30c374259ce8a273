package actorio_test

import (
	"strings"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// A namespace whose room-event handler is stuck queues at most
// NamespaceQueue of them; the rest are refused, counted and logged once,
// and once the handler is free the namespace's handlers run again.
func TestNamespaceQueueRefusesPastItsLimit(t *testing.T) {
	var log testkit.SyncBuffer
	srv, base := startServer(t, &actorio.Options{
		EngineOptions:  actorio.EngineOptions{Logger: zerolog.New(&log).Level(zerolog.InfoLevel)},
		NamespaceQueue: 2,
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	refused := func() float64 {
		return metric(t, reg, "actorio_namespace_handlers_refused_total", "namespace", "/", "kind", "room_event")
	}
	gate, stuck := make(chan struct{}), make(chan struct{}, 1)
	events := make(chan actorio.RoomEvent, 32)
	first := true
	srv.Of("/").OnRoomEvent(func(e actorio.RoomEvent) {
		if first { // one at a time: the lane runs them in order
			first = false
			stuck <- struct{}{}
			<-gate
		}
		events <- e
	})
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("join", func() { s.Join("a", "b", "c", "d") })
		_ = s.On("leave", func() { s.Leave("a") })
	})
	c := dialSIO(t, base)
	c.connect("")
	// The socket's own room: its create-room runs and sticks, its
	// join-room waits. Then four rooms: a create-room and a join-room
	// each, of which the queue takes one more.
	testkit.Recv(t, stuck, "the first room event")
	c.send(`42["join"]`)
	const queued, refusedWant = 2, 7
	testkit.Eventually(t, "refusals while the handler is stuck", func() bool { return refused() >= refusedWant })
	close(gate)
	for range 1 + queued {
		testkit.Recv(t, events, "a room event that was taken")
	}
	c.send(`42["leave"]`) // two events, which the drained queue takes
	for _, want := range []string{"leave-room", "delete-room"} {
		if e := testkit.Recv(t, events, "a room event after the queue drained"); e.Kind != want || e.Room != "a" {
			t.Errorf("after the queue drained: %+v, want a %s of a", e, want)
		}
	}
	if got := refused(); got != refusedWant {
		t.Errorf("refused %v, want %v", got, refusedWant)
	}
	if warns := strings.Count(log.String(), `"level":"warn"`); warns != 1 {
		t.Errorf("%d warnings, want one for the episode:\n%s", warns, log.String())
	}
}
