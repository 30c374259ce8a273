package transport

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/protocol/eio"
)

// rawUpgrade sends a WebSocket handshake request by hand and returns the
// connection, its read deadline set.
func rawUpgrade(t *testing.T, addr, version string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(testkit.Timeout))
	req := "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return c
}

func serveOpening(t *testing.T) string {
	t.Helper()
	pool := NewWriterPool(nil)
	t.Cleanup(pool.Stop)
	h := NewHandler(Config{Pool: pool, Open: func(hs Handshake) (Session, error) {
		hs.Conn.SendPacket(eio.Packet{Type: eio.Open, Data: []byte(`{"sid":"x"}`)})
		return wsOnlySession{}, nil
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// A WebSocket handshake's 101 response and the open packet go out in one
// write: the client's first read has both.
func TestHandshakeResponseWithOpenPacket(t *testing.T) {
	c := rawUpgrade(t, serveOpening(t), "13")
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	first := buf[:n]
	head, frame, ok := bytes.Cut(first, []byte("\r\n\r\n"))
	if !ok || !strings.HasPrefix(string(head), "HTTP/1.1 101 ") {
		t.Fatalf("first read %q, want the 101 response", first)
	}
	// An unmasked text frame, short: 0x81, its length, then the packet.
	if want := "0" + `{"sid":"x"}`; len(frame) != 2+len(want) || frame[0] != 0x81 || string(frame[2:]) != want {
		t.Errorf("first read's frame %q, want the open packet %q in the same read", frame, want)
	}
}

// A handshake that the upgrader refuses is answered (426 for an unknown
// version) and its connection closed: it used to stay open, hijacked and
// never read again.
func TestHandshakeRefusalNotHeld(t *testing.T) {
	c := rawUpgrade(t, serveOpening(t), "12")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("status %d, want 426", res.StatusCode)
	}
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the refusal: read %d, %v; want EOF (closed)", n, err)
	}
}
