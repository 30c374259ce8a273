package actors

import (
	"net/http"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/transport"
)

// TestConnEventsFollowNode: the events fire where Node's engine.io Socket
// fires them: packetCreate for the server's ping and messages, drain when
// the write buffer goes to the transport (a GET's answer), packet and
// heartbeat for the client's pong, close once with its reason.
func TestConnEventsFollowNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.s.Start() // the open packet is created before anyone listens, as in Node
		var got []string
		h.s.User().SetConnEvents(&ConnEvents{
			Packet: func(p eio.Packet, c transport.Credit) {
				got = append(got, "packet "+p.Type.String())
				c.Release()
			},
			PacketCreate: func(p eio.Packet) { got = append(got, "packetCreate "+p.Type.String()+" "+string(p.Data)) },
			Drain:        func() { got = append(got, "drain") },
			Heartbeat:    func() { got = append(got, "heartbeat") },
			Upgrade:      func(tr string) { got = append(got, "upgrade "+tr) },
			Close:        func(reason string) { got = append(got, "close "+reason) },
		})
		body(t, h.poll()) // the open packet
		pending := h.poll()
		h.next() // the ping
		body(t, pending)
		done := make(chan int, 1)
		h.s.Handle(&transport.PayloadPosted{Packets: []eio.Packet{{Type: eio.Pong}}, Done: done})
		if <-done != http.StatusOK {
			t.Fatal("pong POST refused")
		}
		h.s.Handle(&sendRequested{packet: eio.Packet{Type: eio.Message, Data: []byte("hi")}}) // buffered: no GET
		body(t, h.poll())
		pending = h.poll()
		h.s.Handle(CloseSession(ReasonForcedClose))
		body(t, pending)
		h.s.Handle(CloseSession(ReasonForcedClose)) // closed already: no second close event

		want := []string{"drain", "packetCreate ping ", "drain", "packet pong", "heartbeat", "packetCreate message hi", "drain", "close forced close"}
		if !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}
		if r := h.s.User().CloseReason(); r != ReasonForcedClose {
			t.Errorf("CloseReason() = %q, want %q", r, ReasonForcedClose)
		}
	})
}
