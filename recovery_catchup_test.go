package actorio_test

import (
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// A broadcast made after a recovered socket's missed packets were taken,
// while its connect middleware runs and before it is back in its rooms,
// still reaches it, after the missed ones: in Node nothing can fall between
// the two, which happen in one tick. (Without middleware the window is
// short, but there: the restore runs on the socket's goroutine, the
// registration on the namespace actor.)
func TestRecoveryBroadcastDuringMiddleware(t *testing.T) {
	srv, base := startServer(t, &actorio.Options{ConnectionStateRecovery: &actorio.RecoveryOptions{RunMiddlewares: true}})
	inMiddleware, release := make(chan struct{}, 1), make(chan struct{})
	srv.Use(func(s *actorio.Socket) error {
		if s.Recovered() {
			inMiddleware <- struct{}{}
			select {
			case <-release:
			case <-time.After(testkit.Timeout):
			}
		}
		return nil
	})
	srv.OnConnection(func(s *actorio.Socket) { s.Join("room") })
	c := dialSIO(t, base)
	c.send("40")
	reply := c.next()
	// In the room, not only connected: the connection handler joins it.
	eventually(t, "the socket in room", func() bool { return srv.Of("/").RoomSize("room") == 1 })
	if err := srv.To("room").Emit("before"); err != nil {
		t.Fatal(err)
	}
	_, offset := splitOffset(t, c.next())
	pid := between(reply, `"pid":"`, `"`)
	c.c.Close()
	waitSockets(t, srv.Of("/"), 0)
	if err := srv.To("room").Emit("missed"); err != nil {
		t.Fatal(err)
	}

	d := dialSIO(t, base)
	d.send(`40{"pid":"` + pid + `","offset":"` + offset + `"}`)
	testkit.Recv(t, inMiddleware, "the recovered socket's middleware")
	if err := srv.To("room").Emit("during"); err != nil {
		t.Fatal(err)
	}
	close(release)
	if r := d.next(); !strings.HasPrefix(r, "40") {
		t.Fatalf("first packet %q, want the CONNECT reply", r)
	}
	for _, want := range []string{"missed", "during"} {
		if ev, _ := splitOffset(t, d.next()); !strings.Contains(ev, `"`+want+`"`) {
			t.Errorf("got %s, want %s", ev, want)
		}
	}
}

// between returns what s holds between prefix and the next suffix.
func between(s, prefix, suffix string) string {
	_, after, _ := strings.Cut(s, prefix)
	v, _, _ := strings.Cut(after, suffix)
	return v
}
