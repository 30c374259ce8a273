package actorio_test

import (
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actormsg"
)

// A socket's own subscribers get no Connected for a new socket, even when
// they subscribe inside its connection handler, before the namespace's
// subscribers are told: what they get must not depend on timing.
func TestSocketSubscriberGetsNoConnectedOfNewSocket(t *testing.T) {
	srv, base := startServer(t, nil)
	pid, got := probe(t, srv)
	srv.OnConnection(func(s *actorio.Socket) { s.Subscribe(pid) })
	c := dialSIO(t, base)
	c.send("40")
	c.next() // the CONNECT reply
	c.send(`42["first"]`)
	if ev := nextMsg[*actormsg.Event](t, got); ev.Name != "first" {
		t.Fatalf("first message = %+v, want Event first", ev)
	}
}
