package actorio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// An unanswered EmitWithAck ends exactly at its timeout, in fake time; a
// broadcast with acks returns what came by its Timeout.
func TestAckTimeoutsInFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := actorio.NewServer(&actorio.Options{
			AckTimeout:    3 * time.Second,
			EngineOptions: actorio.EngineOptions{PingInterval: time.Hour, PingTimeout: time.Hour},
		})
		sockets := make(chan *actorio.Socket, 1)
		srv.OnConnection(func(s *actorio.Socket) { sockets <- s })
		l := testkit.NewPipeListener()
		web := &http.Server{Handler: srv}
		go func() { _ = web.Serve(l) }()

		conn, _ := testkit.DialWSWith(t, ws.Dialer{NetDial: l.DialContext}, "ws://x/socket.io/?EIO=4&transport=websocket")
		read := func() string {
			data, _, err := wsutil.ReadServerData(conn)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			return string(data)
		}
		// skip reads a frame the test does not look at, from any goroutine.
		skip := func() { _, _, _ = wsutil.ReadServerData(conn) }
		read() // open
		_ = wsutil.WriteClientText(conn, []byte("40"))
		read() // CONNECT reply
		s := testkit.Recv(t, sockets, "the connection handler")

		// The server default (AckTimeout 3s) applies: the client reads the
		// question and never answers.
		go skip()
		start := time.Now()
		_, err := s.EmitWithAck(context.Background(), "question")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
			t.Errorf("EmitWithAck: %v after %v, want a deadline after exactly 3s", err, time.Since(start))
		}

		go skip()
		start = time.Now()
		answers, err := srv.Of("/").Timeout(1500*time.Millisecond).EmitWithAck(context.Background(), "vote")
		if !errors.Is(err, actorio.ErrAckTimeout) || len(answers) != 0 || time.Since(start) != 1500*time.Millisecond {
			t.Errorf("broadcast EmitWithAck: %d answers, %v after %v", len(answers), err, time.Since(start))
		}
		if !strings.Contains(err.Error(), "0 of 1") {
			t.Errorf("error %q does not say how many answered", err)
		}

		conn.Close()
		_ = web.Close()
		srv.Close()
		// Messages that reach actors already stopped at shutdown are dead
		// letters; protoactor counts them on a ticker for a throttle period.
		// Let fake time pass it, so the bubble ends with nothing waiting.
		time.Sleep(time.Minute)
	})
}
