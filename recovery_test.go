package actorio_test

import (
	"encoding/json"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

var withOffset = regexp.MustCompile(`^(42\[.*),"([^"]+)"\]$`)

// splitOffset returns a recorded event without its trailing offset, and the
// offset.
func splitOffset(t *testing.T, frame string) (string, string) {
	t.Helper()
	m := withOffset.FindStringSubmatch(frame)
	if m == nil {
		t.Fatalf("%q carries no offset", frame)
	}
	return m[1] + "]", m[2]
}

func TestConnectionStateRecovery(t *testing.T) {
	srv, base := startServer(t, &actorio.Options{ConnectionStateRecovery: &actorio.RecoveryOptions{}})
	var middlewareRuns atomic.Int32
	srv.Use(func(*actorio.Socket) error { middlewareRuns.Add(1); return nil })
	sockets := make(chan *actorio.Socket, 4)
	reasons := make(chan string, 4)
	srv.OnConnection(func(s *actorio.Socket) {
		if !s.Recovered() {
			s.Join("room")
			s.SetData("kept")
		}
		s.OnDisconnect(func(r string) { reasons <- r })
		sockets <- s
	})

	c := dialSIO(t, base)
	c.send("40")
	var reply struct{ SID, PID string }
	if r := c.next(); json.Unmarshal([]byte(r[2:]), &reply) != nil || reply.PID == "" {
		t.Fatalf("CONNECT reply %q has no pid", r)
	}
	first := testkit.Recv(t, sockets, "the connection handler")
	_ = first.Emit("a", 1)
	event, offset := splitOffset(t, c.next())
	if event != `42["a",1]` {
		t.Fatalf("event %q", event)
	}

	c.c.Close() // the connection is cut
	if r := testkit.Recv(t, reasons, "the disconnect"); r != "transport close" {
		t.Fatalf("reason %q", r)
	}
	_ = srv.To("room").Emit("b", 2)
	_ = srv.Emit("c", 3)
	_ = srv.To("elsewhere").Emit("d", 4) // not for this socket

	d := dialSIO(t, base)
	d.send(`40{"pid":"` + reply.PID + `","offset":"` + offset + `"}`)
	if r := d.next(); r != `40{"sid":"`+reply.SID+`","pid":"`+reply.PID+`"}` {
		t.Fatalf("recovered CONNECT reply %q, want the same sid and pid", r)
	}
	for _, want := range []string{`42["b",2]`, `42["c",3]`} {
		if got, _ := splitOffset(t, d.next()); got != want {
			t.Fatalf("missed packet %q, want %q", got, want)
		}
	}
	again := testkit.Recv(t, sockets, "the recovered connection")
	if !again.Recovered() || again.ID() != reply.SID || again.Data() != "kept" || len(again.Rooms()) != 2 {
		t.Errorf("recovered socket: recovered=%v id=%s data=%v rooms=%v", again.Recovered(), again.ID(), again.Data(), again.Rooms())
	}
	if n := middlewareRuns.Load(); n != 1 {
		t.Errorf("middleware ran %d times, want once (skipped on recovery)", n)
	}
	_ = srv.To("room").Emit("e")
	if got, _ := splitOffset(t, d.next()); got != `42["e"]` {
		t.Errorf("after recovery, room broadcast = %q", got)
	}

	// A second recovery of the same session, or an unknown offset, starts fresh.
	e := dialSIO(t, base)
	e.send(`40{"pid":"` + reply.PID + `","offset":"` + offset + `"}`)
	var fresh struct{ SID, PID string }
	if r := e.next(); json.Unmarshal([]byte(r[2:]), &fresh) != nil || fresh.SID == reply.SID || fresh.PID == reply.PID {
		t.Errorf("reused session: %q", r)
	}
	if testkit.Recv(t, sockets, "the fresh connection").Recovered() {
		t.Error("second recovery of one session")
	}
}

func TestRecoveryOffAddsNothing(t *testing.T) {
	srv, base := startServer(t, nil)
	srv.OnConnection(func(s *actorio.Socket) { _ = s.Emit("a", 1) })
	c := dialSIO(t, base)
	c.send("40")
	if r := c.next(); !regexp.MustCompile(`^40\{"sid":"[A-Za-z0-9_-]{20}"\}$`).MatchString(r) {
		t.Errorf("CONNECT reply %q, want only the sid", r)
	}
	c.expect(`42["a",1]`)
}
