package transport

import (
	"encoding/json"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// wsOnlySession is a WebSocket session that takes whatever it is told.
type wsOnlySession struct{}

func (wsOnlySession) Tell(any)              {}
func (wsOnlySession) Done() <-chan struct{} { return nil }
func (wsOnlySession) Inbound() *Inbound     { return nil }
func (wsOnlySession) Transport() string     { return WebSocket }

// A request that carries a WebSocket session's sid while the session is
// still being opened (its open packet is out before Open returns) waits
// for it: it is answered as that session's (TRANSPORT_MISMATCH for a
// GET), never "Session ID unknown".
func TestRequestWaitsForSessionBeingOpened(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pool := NewWriterPool(nil)
		defer pool.Stop()
		l := testkit.NewPipeListener()
		client := &http.Client{Transport: &http.Transport{DialContext: l.DialContext}}
		answered := make(chan *http.Response, 1)
		h := NewHandler(Config{Pool: pool, Open: func(hs Handshake) (Session, error) {
			go func() {
				res, err := client.Get("http://x/engine.io/?EIO=4&transport=polling&sid=" + hs.SID)
				if err != nil {
					t.Error(err)
					close(answered)
					return
				}
				answered <- res
			}()
			synctest.Wait() // the GET has gone as far as it can
			if len(answered) > 0 {
				t.Error("the GET was answered before its session was registered")
			}
			hs.Conn.SendPacket(eio.Packet{Type: eio.Open, Data: []byte(`{}`)})
			return wsOnlySession{}, nil
		}})
		web := &http.Server{Handler: h}
		go func() { _ = web.Serve(l) }()
		defer web.Close()

		conn, _ := testkit.DialWSWith(t, ws.Dialer{NetDial: l.DialContext}, "ws://x/engine.io/?EIO=4&transport=websocket")
		defer conn.Close()
		res := testkit.Recv(t, answered, "the GET's answer")
		if res == nil {
			return
		}
		defer res.Body.Close()
		var body struct{ Code int }
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 400 || body.Code != CodeBadRequest {
			t.Errorf("GET answered %d %+v (%v), want 400 code 3 (a transport mismatch), not code 1 (unknown sid)", res.StatusCode, body, err)
		}
	})
}
