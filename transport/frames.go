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
	// first, if set, is the first message's WebSocket payload as encoded
	// (NewFramesInPlace), which the forms use instead of a copy; inPlace
	// says plain was built in its buffer by the constructor.
	first   []byte
	inPlace bool
	one     [1]eio.Packet // Packets' array when there is one message (most packets): no second allocation
}

// NewFrames wraps a packet's Engine.IO messages.
func NewFrames(packets ...eio.Packet) *Frames { return &Frames{Packets: packets} }

// HeaderRoom is what NewFramesInPlace needs before the payload.
const HeaderRoom = maxHeaderLen

// NewFramesInPlace wraps a packet whose first Engine.IO message the caller
// encoded at buf[HeaderRoom:] as its WebSocket payload (a text message's
// type digit then its data; a binary message's data), followed by the
// binary messages in more (attachments). Without attachments the plain
// frame is built in buf, its header written in the room before the payload:
// the payload is copied once in all, where it was encoded, and the same
// bytes go to every recipient. buf belongs to the Frames from then on.
func NewFramesInPlace(buf []byte, binary bool, more ...eio.Packet) *Frames {
	payload := buf[HeaderRoom:len(buf):len(buf)]
	first := eio.Packet{Type: eio.Message, Data: payload, Binary: true}
	op := ws.OpBinary
	if !binary {
		op = ws.OpText
		first = eio.Packet{Type: eio.PacketType(payload[0] - '0'), Data: payload[1:]}
	}
	f := &Frames{first: payload}
	if len(more) > 0 {
		f.Packets = append([]eio.Packet{first}, more...)
	} else {
		f.one[0] = first
		f.Packets = f.one[:]
		start := HeaderRoom - headerBytes(len(payload))
		appendFrameHeader(buf[start:start], op, len(payload))
		f.inPlace = true
		f.plainOnce.Do(func() { f.plain = buf[start:len(buf):len(buf)] })
	}
	return f
}

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
	for i, p := range f.Packets {
		op, payload := ws.OpText, p.Data
		switch {
		case p.Binary:
			op = ws.OpBinary
		case i == 0 && f.first != nil:
			payload = f.first
		default:
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

// SendFramesOwned queues a packet for this connection alone; when owned,
// the caller must call FlushNow (it may first release its own locks).
func (w *WSConn) SendFramesOwned(f *Frames, volatile bool) (r PushResult, owned bool) {
	return w.out.PushOwned(f.forConn(w), volatile)
}

// FlushNow writes what SendFramesOwned queued, on the caller's goroutine
// when it can be done in one non-blocking write, else by the writer pool.
func (w *WSConn) FlushNow() { w.out.FlushNow() }

// Uncompressed returns frames that are never compressed, for a broadcast
// sent with compression off.
func (f *Frames) Uncompressed() *Frames {
	u := &Frames{Packets: f.Packets, first: f.first, inPlace: f.inPlace, noDeflate: true}
	if f.inPlace {
		u.plainOnce.Do(func() { u.plain = f.plain })
	}
	return u
}
