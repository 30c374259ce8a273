package testkit

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// PipeListener serves over net.Pipe: a server and its clients then run
// inside a testing/synctest bubble, where time is fake and heartbeats and
// timeouts are exact. Serve an http.Server on it; clients connect with Dial
// or through Client.
type PipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

// NewPipeListener returns a listener with no connection yet.
func NewPipeListener() *PipeListener {
	return &PipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept waits for the next Dial.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept return; connections already made stay open.
func (l *PipeListener) Close() error { l.once.Do(func() { close(l.closed) }); return nil }

// Addr is a placeholder loopback address.
func (l *PipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// Dial connects to the listener and returns the client's end.
func (l *PipeListener) Dial() (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// DialContext is Dial with the signature of net.Dialer's, for ws.Dialer's
// NetDial and http.Transport's DialContext; address is ignored.
func (l *PipeListener) DialContext(context.Context, string, string) (net.Conn, error) {
	return l.Dial()
}

// Client is an HTTP client whose every request goes to the listener. Call
// CloseIdleConnections before the bubble ends.
func (l *PipeListener) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: l.DialContext}}
}
