package actorio_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// pipeListener serves HTTP over net.Pipe, so a whole server runs inside a
// synctest bubble, where time is fake.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- server
	return client
}

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
		l := newPipeListener()
		web := &http.Server{Handler: srv}
		go func() { _ = web.Serve(l) }()

		conn := l.dial()
		u := "ws://x/socket.io/?EIO=4&transport=websocket"
		_, br, _, err := (ws.Dialer{NetDial: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}).Dial(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = conn
		if br != nil {
			r = io.MultiReader(br, conn)
		}
		rw := struct {
			io.Reader
			io.Writer
		}{r, conn}
		read := func() string {
			data, _, err := wsutil.ReadServerData(rw)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			return string(data)
		}
		// skip reads a frame the test does not look at, from any goroutine.
		skip := func() { _, _, _ = wsutil.ReadServerData(rw) }
		read() // open
		_ = wsutil.WriteClientText(conn, []byte("40"))
		read() // CONNECT reply
		s := <-sockets

		// The server default (AckTimeout 3s) applies: the client reads the
		// question and never answers.
		go skip()
		start := time.Now()
		_, err = s.EmitWithAck(context.Background(), "question")
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
