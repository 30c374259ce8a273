package transport

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"sync"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// DeflateOptions enables permessage-deflate on WebSocket connections. A nil
// *DeflateOptions disables it, as Node's default perMessageDeflate: false.
//
// The server always negotiates server_no_context_takeover and
// client_no_context_takeover: every message is compressed on its own, so a
// compressed broadcast frame is built once for every member, and an inbound
// message needs no per-connection inflate state.
type DeflateOptions struct {
	// Threshold is the smallest payload compressed. Zero means 1024 bytes,
	// as Node.
	Threshold int
}

func (d *DeflateOptions) threshold() int {
	if d.Threshold <= 0 {
		return 1024
	}
	return d.Threshold
}

func (d *DeflateOptions) extension() *wsflate.Extension {
	return &wsflate.Extension{Parameters: wsflate.Parameters{
		ServerNoContextTakeover: true,
		ClientNoContextTakeover: true,
	}}
}

// ErrDeflate reports a compressed message that does not inflate.
var ErrDeflate = errors.New("transport: invalid permessage-deflate data")

var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return w
}}

// deflateTail ends every compressed message (RFC 7692 7.2.1): the sender
// strips it, the receiver puts it back.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// AppendCompressedFrame appends one final frame whose payload is compressed
// with a fresh context, with the RSV1 bit set.
func AppendCompressedFrame(dst []byte, op ws.OpCode, payload []byte) []byte {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, _ = w.Write(payload) // writes to a bytes.Buffer cannot fail
	_ = w.Flush()
	deflaters.Put(w)
	body := bytes.TrimSuffix(buf.Bytes(), deflateTail)
	dst = appendFrameHeader(dst, op, len(body))
	dst[len(dst)-headerBytes(len(body))] |= 0x40 // RSV1: compressed
	return append(dst, body...)
}

// headerBytes is the length of appendFrameHeader's output for n.
func headerBytes(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xffff:
		return 4
	default:
		return 10
	}
}

var inflaters sync.Pool // io.ReadCloser implementing flate.Resetter

// inflate decompresses one message, refusing more than max bytes of output
// (max <= 0: no limit) so a small compressed bomb cannot exhaust memory.
func inflate(payload []byte, max int) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(payload), bytes.NewReader(deflateTail))
	var r io.ReadCloser
	if pooled, ok := inflaters.Get().(io.ReadCloser); ok {
		r = pooled
		_ = r.(flate.Resetter).Reset(src, nil) // Reset of a flate reader cannot fail
	} else {
		r = flate.NewReader(src)
	}
	defer inflaters.Put(r)
	limit := int64(max) + 1
	if max <= 0 {
		limit = 1 << 62
	}
	out, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, ErrDeflate
	}
	if max > 0 && len(out) > max {
		return nil, ErrMessageTooBig
	}
	return out, nil
}
