package transport

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
)

// heldResponse is a ResponseWriter whose connection, once hijacked for a
// WebSocket, keeps what is written through the hijacker's writer: the
// handshake's 101 response then goes out with the session's open packet,
// in one write (OutQueue.Preface), where it took one of its own, a
// syscall as costly as the rest of the handshake's.
type heldResponse struct {
	http.ResponseWriter
	held bytes.Buffer
}

func (h *heldResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return c, rw, err
	}
	return c, bufio.NewReadWriter(rw.Reader, bufio.NewWriterSize(&h.held, 512)), nil
}

func (h *heldResponse) Unwrap() http.ResponseWriter { return h.ResponseWriter }
