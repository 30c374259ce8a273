package transport

import (
	"sync"
	"sync/atomic"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// Frames is one Socket.IO packet's Engine.IO messages (the packet, then any
// binary attachments), encoded once and shared by every recipient. Its
// WebSocket forms are built on first use, once each: every frame of the
// packet in one buffer, so a single push keeps them together and another
// packet can never land between a packet and its attachments.
type Frames struct {
	Packets []eio.Packet

	plainOnce, deflOnce sync.Once
	plain, defl         []byte
	noDeflate           bool                   // Compress(false)
	eio3                atomic.Pointer[[]byte] // the Engine.IO v3 form, when a packet is binary (eio3_ws.go)
}

// NewFrames wraps a packet's Engine.IO messages.
func NewFrames(packets ...eio.Packet) *Frames { return &Frames{Packets: packets} }

// forConn returns the bytes for w: the compressed form if w negotiated
// permessage-deflate (compressed per frame with the threshold of the first
// such connection; every connection of a server shares its options).
func (f *Frames) forConn(w *WSConn) []byte {
	if w.eio3 {
		if b := f.forEIO3(w); b != nil {
			return b
		}
	}
	if w.Compresses() && !f.noDeflate {
		f.deflOnce.Do(func() { f.defl = f.build(w.deflate) })
		return f.defl
	}
	f.plainOnce.Do(func() { f.plain = f.build(nil) })
	return f.plain
}

func (f *Frames) build(deflate *DeflateOptions) []byte {
	size := 0
	for _, p := range f.Packets {
		size += maxHeaderLen + 1 + len(p.Data)
	}
	out := make([]byte, 0, size)
	for _, p := range f.Packets {
		op, payload := ws.OpText, p.Data
		if p.Binary {
			op = ws.OpBinary
		} else {
			payload = append(append(make([]byte, 0, 1+len(p.Data)), byte('0'+p.Type)), p.Data...)
		}
		if deflate != nil && len(payload) >= deflate.threshold() {
			out = AppendCompressedFrame(out, op, payload)
		} else {
			out = AppendFrame(out, op, payload)
		}
	}
	return out
}

// SendFrames queues a shared packet as one push.
func (w *WSConn) SendFrames(f *Frames, volatile bool) PushResult {
	return w.out.Push(f.forConn(w), volatile)
}

// Uncompressed returns frames that are never compressed, for a broadcast
// sent with compression off.
func (f *Frames) Uncompressed() *Frames {
	u := NewFrames(f.Packets...)
	u.noDeflate = true
	return u
}
