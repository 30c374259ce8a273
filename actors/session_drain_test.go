package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
	"github.com/gobwas/ws"
)

// A server close that waits for the client's next GET (a polling session
// with packets buffered) while the client upgrades: the client sends "5"
// and never polls again, so the upgrade completes, as in Node, and the
// buffered packets and the close go out on the WebSocket. Dropping the "5"
// left them in the polling buffer until the drain deadline, and the client
// saw its WebSocket close without them (TestSIOE2E/disconnect_close: no
// DISCONNECT packets, "transport close").
func TestUpgradeCompletesDuringDeferredClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWith(t, func(c *SessionConfig) { c.PingInterval = time.Hour })
		h.s.Start()
		body(t, h.poll()) // the open packet
		probe := newWSPipe(t, h, transport.QueueLimits{})
		h.s.Handle(&transport.WebSocketAttached{Conn: probe.conn})
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Ping, Data: []byte("probe")}})
		read := func() ws.Frame {
			t.Helper()
			_ = probe.peer.SetReadDeadline(time.Now().Add(time.Second)) // fake time
			f, err := testkit.ReadFrame(probe.peer)
			if err != nil {
				t.Fatalf("read from the probe: %v", err)
			}
			return f
		}
		if f := read(); string(f.Payload) != "3probe" {
			t.Fatalf("probe answered %q, want 3probe", f.Payload)
		}

		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: []byte("bye")}})
		h.s.Handle(&closeRequested{reason: ReasonForcedClose})
		if h.ended != "" {
			t.Fatalf("ended %q before the client collected its packets", h.ended)
		}
		h.s.Handle(&transport.WebSocketPacket{Conn: probe.conn, Packet: eio.Packet{Type: eio.Upgrade}})
		if f := read(); f.Header.OpCode != ws.OpText || string(f.Payload) != "4bye" {
			t.Fatalf("after the upgrade the WebSocket got %v %q, want the buffered 4bye", f.Header.OpCode, f.Payload)
		}
		if f := read(); f.Header.OpCode != ws.OpClose {
			t.Errorf("then %v %q, want the close frame", f.Header.OpCode, f.Payload)
		}
		if h.ended != ReasonForcedClose {
			t.Errorf("ended %q, want %q", h.ended, ReasonForcedClose)
		}
	})
}
