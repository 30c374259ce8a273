package transport

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// orderSession records what the handler tells it. While it is being told
// that a WebSocket attached, it lets every other goroutine run as far as it
// can (synctest.Wait): a reader already started would report the client's
// first packet ahead of the attachment.
type orderSession struct{ told chan any }

func (s *orderSession) Tell(m any) {
	if _, ok := m.(*WebSocketAttached); ok {
		synctest.Wait()
	}
	s.told <- m
}

func (s *orderSession) Done() <-chan struct{} { return nil }
func (s *orderSession) Inbound() *Inbound     { return nil }

// A probe's first packet reaches the session after the probe itself: a
// packet from a WebSocket the session does not know yet is dropped (a lost
// "2probe"), and a bad one aborts nothing, leaving the probe open until the
// upgrade timeout.
func TestUpgradeAttachesBeforeReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pool := NewWriterPool(nil)
		defer pool.Stop()
		h := NewHandler(Config{Pool: pool, Open: func(Handshake) (Session, error) { panic("no handshake in this test") }})
		s := &orderSession{told: make(chan any, 8)}
		h.sessions.Store("sid", s)
		l := testkit.NewPipeListener()
		web := &http.Server{Handler: h}
		go func() { _ = web.Serve(l) }()
		defer web.Close()

		conn, _ := testkit.DialWSWith(t, ws.Dialer{NetDial: l.DialContext}, "ws://x/engine.io/?EIO=4&transport=websocket&sid=sid")
		if err := wsutil.WriteClientText(conn, []byte("2probe")); err != nil {
			t.Fatal(err)
		}
		first := testkit.Recv(t, s.told, "the first message")
		second := testkit.Recv(t, s.told, "the second message")
		if _, ok := first.(*WebSocketAttached); !ok {
			t.Fatalf("the session was told %T, then %T; want WebSocketAttached first", first, second)
		}
		if p, ok := second.(*WebSocketPacket); !ok || p.Packet.Type != eio.Ping || string(p.Packet.Data) != "probe" {
			t.Fatalf("then %+v, want the WebSocketPacket 2probe", second)
		}
		conn.Close()
	})
}
