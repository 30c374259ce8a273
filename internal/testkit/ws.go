package testkit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// Conn is the client end of a WebSocket. Each Read has a deadline of its
// own, Timeout from when it starts (a long test never runs out of a deadline
// set once at dial), unless the test set one with SetReadDeadline. Reads
// first return what ws.Dial buffered with the 101 response: that
// bufio.Reader reads from the raw connection once empty, so reading through
// it would have no deadline at all.
type Conn struct {
	net.Conn
	br       *bufio.Reader // ws.Dial's buffer, nil once drained
	deadline time.Time     // set by SetReadDeadline; zero: Timeout per read
}

// readTimeout is Timeout; this package's test shortens it.
var readTimeout = Timeout

// Wrap returns c, with br (ws.Dial's second result, may be nil) read first.
func Wrap(c net.Conn, br *bufio.Reader) *Conn { return &Conn{Conn: c, br: br} }

// Read reads what ws.Dial buffered, then from the connection, with a deadline.
func (c *Conn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p) // buffered bytes only: never reaches the connection
		}
		ws.PutReader(c.br)
		c.br = nil
	}
	d := c.deadline
	if d.IsZero() {
		d = time.Now().Add(readTimeout)
	}
	if err := c.Conn.SetReadDeadline(d); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// SetReadDeadline sets a deadline for every later read; zero restores
// Timeout per read.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets the read deadline as SetReadDeadline does, and the write
// deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetDeadline(t)
}

// DialWS opens a WebSocket to url within Timeout and closes it when the test
// ends.
func DialWS(t testing.TB, url string) *Conn {
	t.Helper()
	c, _ := DialWSWith(t, ws.Dialer{}, url)
	return c
}

// DialWSWith is DialWS with a Dialer of the test's (extensions, header
// callbacks); it also returns the handshake.
func DialWSWith(t testing.TB, d ws.Dialer, url string) (*Conn, ws.Handshake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	conn, br, hs, err := d.Dial(ctx, url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close() })
	return Wrap(conn, br), hs
}

// maxFrame bounds what ReadFrame accepts: far above any test's frames.
const maxFrame = 16 << 20

// ReadFrame reads one frame as the server sent it, without answering it
// (wsutil answers a close frame, which races a server closing its end),
// refusing one whose declared length is over 16 MiB.
func ReadFrame(r io.Reader) (ws.Frame, error) {
	h, err := ws.ReadHeader(r)
	if err != nil {
		return ws.Frame{}, err
	}
	if h.Length > maxFrame {
		return ws.Frame{}, fmt.Errorf("frame of %d bytes, want at most %d", h.Length, maxFrame)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return ws.Frame{}, err
	}
	return ws.Frame{Header: h, Payload: payload}, nil
}
