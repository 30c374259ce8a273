package actorio_test

import (
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws/wsutil"
	"github.com/rs/zerolog"
)

// TestConnCloseReasons: Conn.OnClose gives Node's reason for each way a
// connection ends, once; registered after the end, it still gets it.
func TestConnCloseReasons(t *testing.T) {
	tests := []struct {
		name string
		end  func(c *wireClient, s *actorio.Socket) // ends the connection
		want string
	}{
		{"client gone", func(c *wireClient, _ *actorio.Socket) { _ = c.c.Close() }, "transport close"},
		{"Conn.Close", func(_ *wireClient, s *actorio.Socket) { s.Conn().Close() }, "forced close"},
		{"no pong", func(*wireClient, *actorio.Socket) {}, "ping timeout"}, // the raw client never answers pings
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &actorio.Options{}
			opts.PingInterval, opts.PingTimeout = time.Minute, time.Minute
			if tt.want == "ping timeout" {
				opts.PingInterval, opts.PingTimeout = 50*time.Millisecond, 50*time.Millisecond
			}
			srv, base := startServer(t, opts)
			sockets := make(chan *actorio.Socket, 1)
			closes := make(chan string, 4)
			srv.OnConnection(func(s *actorio.Socket) {
				s.Conn().OnClose(func(reason string) { closes <- reason })
				sockets <- s
			})
			c := dialSIO(t, base)
			c.connect("")
			s := testkit.Recv(t, sockets, "the connection handler")
			tt.end(c, s)
			if got := testkit.Recv(t, closes, "OnClose"); got != tt.want {
				t.Errorf("OnClose(%q), want %q", got, tt.want)
			}
			// After the end: a new callback gets the reason too.
			late := make(chan string, 1)
			s.Conn().OnClose(func(reason string) { late <- reason })
			if got := testkit.Recv(t, late, "OnClose registered after the close"); got != tt.want {
				t.Errorf("late OnClose(%q), want %q", got, tt.want)
			}
		})
	}
}

// TestConnOnCloseOfEndedConnection: a Conn first asked for after its
// connection ended (no callback was registered while it was open) still
// tells OnClose the reason.
func TestConnOnCloseOfEndedConnection(t *testing.T) {
	srv, base := startServer(t, nil)
	sockets := make(chan *actorio.Socket, 1)
	srv.OnConnection(func(s *actorio.Socket) { sockets <- s })
	c := dialSIO(t, base)
	c.connect("")
	s := testkit.Recv(t, sockets, "the connection handler")
	left := make(chan struct{}, 1)
	s.OnDisconnect(func(string) { left <- struct{}{} })
	_ = c.c.Close()
	testkit.Recv(t, left, "the disconnect")
	got := make(chan string, 1)
	s.Conn().OnClose(func(reason string) { got <- reason })
	if r := testkit.Recv(t, got, "OnClose"); r != "transport close" {
		t.Errorf("OnClose(%q), want %q", r, "transport close")
	}
}

// TestConnCallbacksFallingBehindClose: events waiting for Conn callbacks
// are bounded by QueueLimits' hard limits; past them the connection is
// closed ("transport error") and says so in the log, never buffered on.
func TestConnCallbacksFallingBehindClose(t *testing.T) {
	log := &syncBuffer{}
	opts := &actorio.Options{}
	opts.QueueLimits.HardFrames = 8
	opts.Logger = zerolog.New(log)
	srv, base := startServer(t, opts)
	sockets := make(chan *actorio.Socket, 1)
	unblock := make(chan struct{})
	closes := make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		s.Conn().OnPacketCreate(func(actorio.EnginePacket) { <-unblock }) // stuck
		s.Conn().OnClose(func(reason string) { closes <- reason })
		sockets <- s
	})
	c := dialSIO(t, base)
	c.connect("")
	s := testkit.Recv(t, sockets, "the connection handler")
	// One packet in the WebSocket's queue at a time (the client reads
	// each), while the callbacks' backlog grows: a packetCreate and a
	// drain per emit.
	for i := 0; s.Connected() && i < 20; i++ {
		if err := s.Emit("tick", i); err != nil {
			t.Fatal(err)
		}
		if _, err := wsutil.ReadServerText(c.c); err != nil {
			break // closed
		}
	}
	close(unblock)
	if got := testkit.Recv(t, closes, "OnClose"); got != "transport error" {
		t.Errorf("OnClose(%q), want %q", got, "transport error")
	}
	if !strings.Contains(log.String(), "conn callbacks fell behind") {
		t.Errorf("log has no line for the close; log:\n%s", log.String())
	}
}
