package actorio

import (
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/testkit"
)

// Another server's event that finds its namespace's queue full is refused
// and counted; its ack is not answered, so the sender's timeout reports it.
func TestNamespaceQueueRefusesServerSideEvents(t *testing.T) {
	srv := NewServer(&Options{NamespaceQueue: 1})
	defer srv.Close()
	gate, stuck := make(chan struct{}), make(chan struct{}, 1)
	ran := make(chan int, 4)
	if err := srv.Of("/").OnServerSideEmit("work", func(n int, ack Ack) {
		if n == 1 {
			stuck <- struct{}{}
			<-gate
		}
		ran <- n
		_ = ack.Send(n)
	}); err != nil {
		t.Fatal(err)
	}
	answers := make(chan adapter.Args, 4)
	emit := func(n string) {
		localSide{srv}.ServerSideEmit("/", adapter.Args{Raw: [][]byte{[]byte(`"work"`), []byte(n)}}, func(a adapter.Args) { answers <- a })
	}
	emit("1")
	testkit.Recv(t, stuck, "the first event's handler")
	emit("2") // queued
	emit("3") // refused
	close(gate)
	for _, want := range []int{1, 2} {
		if got := testkit.Recv(t, ran, "a handler"); got != want {
			t.Fatalf("handler ran for %d, want %d", got, want)
		}
		if a := testkit.Recv(t, answers, "an answer"); string(a.Raw[0]) != string(rune('0'+want)) {
			t.Errorf("answer %q, want %d", a.Raw[0], want)
		}
	}
	srv.stats.mu.Lock()
	refused := srv.stats.queueRefused[[2]string{"/", queuedServerSide}]
	srv.stats.mu.Unlock()
	if refused != 1 {
		t.Errorf("refused %d, want 1", refused)
	}
	select {
	case n := <-ran:
		t.Errorf("the refused event's handler ran (%d)", n)
	default:
	}
}
