package actorio_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// directEngine echoes the messages the session actor hands it; its short
// path takes the ones starting with "d" and reports them on took.
type directEngine struct {
	opened chan *actorio.EngineSession
	took   chan string
}

func (h directEngine) OnOpen(s *actorio.EngineSession) {
	s.SetDirect(directTaker{h.took})
	h.opened <- s
}
func (directEngine) OnMessage(s *actorio.EngineSession, data []byte, bin bool) { s.Send(data, bin) }
func (directEngine) OnClose(*actorio.EngineSession, string)                    {}

type directTaker struct{ took chan<- string }

func (d directTaker) ReceiveDirect(data []byte, binary bool, credit actorio.InboundCredit) bool {
	if !bytes.HasPrefix(data, []byte("d")) {
		return false
	}
	d.took <- string(data) // buffered: must not block
	credit.Release()
	return true
}

var _ actorio.EngineDirectReceiver = directTaker{}

// A bare Engine's handler takes messages on its short path while the
// session actor is busy, and leaves them to the session, in order, while
// a message before them still waits there.
func TestEngineDirectReceiver(t *testing.T) {
	h := directEngine{opened: make(chan *actorio.EngineSession, 1), took: make(chan string, 4)}
	o := quietHeartbeat
	engine := actorio.NewEngine(&o, h)
	srv := httptest.NewServer(engine)
	t.Cleanup(func() {
		engine.Close()
		srv.Close()
	})
	c := dialWS(t, wsURL(srv.URL+"/engine.io/", "?EIO=4&transport=websocket"))
	_ = readText(t, c) // open
	es := testkit.Recv(t, h.opened, "the session")
	release := holdSession(t, es)

	send(t, c, "4dx")
	if got := testkit.Recv(t, h.took, "the short path"); got != "dx" {
		t.Fatalf("the short path took %q, want dx", got)
	}
	send(t, c, "4slow") // waits in the session...
	send(t, c, "4dy")   // ...so this one waits behind it
	readerCaughtUp(t, c)
	release()
	for _, want := range []string{"4slow", "4dy"} {
		if got := readText(t, c); got != want {
			t.Fatalf("got %q, want %q (the session's echo, in order)", got, want)
		}
	}
	select {
	case got := <-h.took:
		t.Errorf("the short path took %q, which came behind a message waiting in the session", got)
	default:
	}
}
