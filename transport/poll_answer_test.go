package transport

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// refusingSession refuses every GET with 400 and ends in the same step, so
// a handler waiting on it finds both the refusal and the end ready.
type refusingSession struct{ done chan struct{} }

func (s *refusingSession) Tell(m any) {
	if p, ok := m.(*PollRequested); ok {
		p.Reply <- PollReply{Status: http.StatusBadRequest}
		close(s.done)
	}
}
func (s *refusingSession) Done() <-chan struct{} { return s.done }
func (s *refusingSession) Inbound() *Inbound     { return nil }

// A GET the session refused as it ended gets 400, however the handler's
// select breaks the tie between the answer and the end (it answered 200
// with an empty body when it took the end first: a flake of
// TestRaceAbortedGETBesideNextGET).
func TestPollRefusedAsSessionEnds(t *testing.T) {
	pool := newPool(t, nil)
	for i := range 100 {
		h := NewHandler(Config{Pool: pool, Open: func(Handshake) (Session, error) { panic("no handshake in this test") }})
		h.sessions.Store("sid", &refusingSession{done: make(chan struct{})})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling&sid=sid", nil))
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("try %d: GET answered %d %q, want 400", i, rec.Code, rec.Body.String())
		}
	}
}
