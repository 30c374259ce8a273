package transport

// Engine.IO v3 (Socket.IO 2.x clients, Config.AllowEIO3) on the transport:
// which sessions speak it, their POST bodies, and their WebSocket frames.
// Everything here is chosen once per session or connection; a v4 client
// pays one boolean test per frame.

import (
	"net/http"
	"unicode/utf8"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/actorio/actorio/protocol/eio3"
	"github.com/gobwas/ws"
)

// eio3Session marks a v3 session in the routing table: a request for it
// must say EIO=3 (and one for a v4 session EIO=4), as Node checks.
type eio3Session struct{ Session }

func unwrapEIO3(s Session) (Session, bool) {
	if v, ok := s.(eio3Session); ok {
		return v.Session, true
	}
	return s, false
}

// decodeEIO3Post decodes a v3 client's POST: a binary payload when it is
// sent as application/octet-stream (an XHR2 client), a text one otherwise.
// Text is checked to be UTF-8, as for v4.
func decodeEIO3Post(r *http.Request, body []byte, maxPayload int) ([]eio.Packet, error) {
	if len(body) > maxPayload { // refused whole, before a JSONP form is cut short
		return nil, eio.ErrPayloadTooLarge
	}
	if r.URL.Query().Has("j") {
		var err error
		if body, err = jsonpBody(body); err != nil {
			return nil, err
		}
	}
	var packets []eio.Packet
	collect := func(p eio.Packet) error {
		packets = append(packets, p)
		return nil
	}
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		err := eio3.DecodeBinaryPayload(body, maxPayload, func(p eio.Packet) error {
			if !p.Binary && !utf8.Valid(p.Data) {
				return ErrInvalidUTF8
			}
			return collect(p)
		})
		return packets, err
	}
	if len(body) <= maxPayload && !utf8.Valid(body) {
		return nil, ErrInvalidUTF8
	}
	return packets, eio3.DecodePayload(body, maxPayload, collect)
}

// setEIO3 makes w speak v3 to a client whose WebSocket request is r, and
// reports whether that client asked for binary as base64 ("b64").
func (w *WSConn) setEIO3(r *http.Request) bool {
	w.eio3, w.b64 = true, r.URL.Query().Has("b64")
	return w.b64
}

// decodeEIO3 decodes a v3 message: a binary frame starts with its packet
// type; text may carry base64 binary ("b4..."). On error the connection is
// closed with the code that says why, as read does for v4.
func (w *WSConn) decodeEIO3(op ws.OpCode, message []byte) (eio.Packet, error) {
	if op == ws.OpBinary {
		p, err := eio3.DecodeBinary(message)
		if err != nil {
			w.Close(ws.StatusProtocolError)
			w.tell(&ParseFailed{Conn: w, Err: err})
		}
		return p, err
	}
	if !utf8.Valid(message) {
		w.Close(ws.StatusInvalidFramePayloadData)
		w.tell(&ParseFailed{Conn: w, Err: ErrInvalidUTF8})
		return eio.Packet{}, ErrInvalidUTF8
	}
	p, err := eio3.DecodeText(message)
	if err != nil {
		w.Close(ws.StatusProtocolError)
		w.tell(&ParseFailed{Conn: w, Err: err})
	}
	return p, err
}

// forEIO3 returns f's frames for a v3 connection when they differ from
// v4's (a packet is binary: it takes its type byte, or is base64 text for
// a "b64" client), nil when they do not. The binary form is built once and
// shared; it is never compressed (permessage-deflate is off by default, and
// v3 clients are few).
func (f *Frames) forEIO3(w *WSConn) []byte {
	binary := false
	for _, p := range f.Packets {
		binary = binary || p.Binary
	}
	if !binary {
		return nil
	}
	if w.b64 {
		return buildEIO3(f.Packets, true)
	}
	if b := f.eio3.Load(); b != nil {
		return *b
	}
	b := buildEIO3(f.Packets, false)
	f.eio3.CompareAndSwap(nil, &b) // a racing builder made the same bytes
	return b
}

func buildEIO3(packets []eio.Packet, b64 bool) []byte {
	size := 0
	for _, p := range packets {
		size += maxHeaderLen + 2 + len(p.Data)*4/3 + 4
	}
	out := make([]byte, 0, size)
	payload := make([]byte, 0, 64)
	for _, p := range packets {
		op := ws.OpText
		switch {
		case p.Binary && !b64:
			op, payload = ws.OpBinary, eio3.AppendBinary(payload[:0], p)
		default:
			payload, _ = eio3.AppendText(payload[:0], p) // our own packets: valid
		}
		out = AppendFrame(out, op, payload)
	}
	return out
}
