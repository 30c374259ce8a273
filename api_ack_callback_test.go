package actorio_test

import (
	"errors"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// EmitWithAckFunc on a socket that is already gone, without any timeout:
// its callback still runs, once, with ErrDisconnected, whether the
// namespace was left (the session lives on) or the whole session ended
// (its actor may stop before it runs the send).
func TestEmitWithAckFuncAfterDisconnect(t *testing.T) {
	tests := []struct {
		name string
		end  func(c *wireClient, s *actorio.Socket)
	}{
		{"namespace left", func(c *wireClient, _ *actorio.Socket) { c.send("41") }},
		{"server namespace disconnect", func(_ *wireClient, s *actorio.Socket) { s.Disconnect(false) }},
		{"connection closed", func(c *wireClient, _ *actorio.Socket) { _ = c.c.Close() }},
		{"server closes the connection", func(_ *wireClient, s *actorio.Socket) { s.Disconnect(true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, base := startServer(t, nil)
			type call struct {
				err error
				n   int
			}
			calls := make(chan call, 2)
			conns := make(chan *actorio.Socket, 1)
			srv.OnConnection(func(s *actorio.Socket) {
				n := 0
				s.OnDisconnect(func(string) {
					err := s.EmitWithAckFunc("too-late", nil, func(_ actorio.Args, err error) {
						n++
						calls <- call{err, n}
					})
					if err != nil {
						t.Errorf("EmitWithAckFunc = %v, want nil", err)
					}
				})
				conns <- s
			})
			c := dialSIO(t, base)
			c.connect("")
			tt.end(c, testkit.Recv(t, conns, "the connection"))
			if got := testkit.Recv(t, calls, "the callback"); !errors.Is(got.err, actorio.ErrDisconnected) || got.n != 1 {
				t.Errorf("callback call %d got %v, want the first, with ErrDisconnected", got.n, got.err)
			}
			// (The e2e test proves once against a late answer; here, at least
			// none has come with the first.)
			select {
			case got := <-calls:
				t.Errorf("callback called again (%d), with %v", got.n, got.err)
			default:
			}
		})
	}
}
