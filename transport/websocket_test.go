package transport

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"
)

// fakeSession records what a connection reports to its session.
type fakeSession struct {
	msgs chan any
	done chan struct{}
	in   *Inbound // nil: unbounded
}

func newFakeSession() *fakeSession {
	return &fakeSession{msgs: make(chan any, 256), done: make(chan struct{})}
}

func (s *fakeSession) Tell(m any)            { s.msgs <- m }
func (s *fakeSession) Done() <-chan struct{} { return s.done }
func (s *fakeSession) Inbound() *Inbound     { return s.in }

// next returns the next message reported, failing after 5 s.
func (s *fakeSession) next(t *testing.T) any {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message reported to the session within 5s")
		return nil
	}
}

// untilClosed collects what the session is told until the reader stops.
func (s *fakeSession) untilClosed(t *testing.T) []any {
	t.Helper()
	var got []any
	for {
		m := s.next(t)
		got = append(got, m)
		if _, ok := m.(*WebSocketClosed); ok {
			return got
		}
	}
}

// newWSPair attaches a WSConn to the server side of a loopback TCP pair and
// returns it with the client side and the session it reports to. poller
// reads it; nil: a goroutine of its own.
func newWSPair(t *testing.T, pool *WriterPool, poller *ReadPoller, limits QueueLimits, maxPayload int) (*WSConn, net.Conn, *fakeSession) {
	t.Helper()
	p := newTCPPairs(t, 1, dialTCP)[0]
	w, err := NewWSConn(p.server, pool, limits, maxPayload, nil)
	if err != nil {
		t.Fatalf("NewWSConn() error = %v", err)
	}
	w.poller = poller
	s := newFakeSession()
	w.Attach(s)
	return w, p.client, s
}

// readers runs f once per way a connection is read: by a goroutine of its
// own, and by a ReadPoller where there is one.
func readers(t *testing.T, f func(t *testing.T, poller *ReadPoller)) {
	t.Run("goroutine", func(t *testing.T) { f(t, nil) })
	poller := NewReadPoller()
	if !poller.ready() {
		t.Log("no read poller here")
		return
	}
	t.Cleanup(poller.Close)
	t.Run("poller", func(t *testing.T) { f(t, poller) })
}

// clientFrame is one frame as a client sends it: masked unless unmasked.
type clientFrame struct {
	op       ws.OpCode
	fin      bool
	rsv      byte
	payload  string
	unmasked bool
}

func (f clientFrame) bytes(t *testing.T) []byte {
	t.Helper()
	frame := ws.NewFrame(f.op, f.fin, []byte(f.payload))
	frame.Header.Rsv = f.rsv
	if !f.unmasked {
		frame = ws.MaskFrame(frame)
	}
	b, err := ws.CompileFrame(frame)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFrames sends frames in one write, as one read may take them.
func writeFrames(t *testing.T, c net.Conn, frames []clientFrame) {
	t.Helper()
	var out []byte
	for _, f := range frames {
		out = append(out, f.bytes(t)...)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
}

func text(s string) clientFrame    { return clientFrame{op: ws.OpText, fin: true, payload: s} }
func closing(s string) clientFrame { return clientFrame{op: ws.OpClose, fin: true, payload: s} }

// readServerFrame reads one frame the server sent, within 5 s.
func readServerFrame(c net.Conn) (ws.Frame, error) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := ws.ReadHeader(c)
	if err != nil {
		return ws.Frame{}, err
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c, payload); err != nil {
		return ws.Frame{}, err
	}
	return ws.Frame{Header: h, Payload: payload}, nil
}

// readClose skips data frames until the server's close frame and returns
// its code and reason.
func readClose(t *testing.T, c net.Conn) (ws.StatusCode, string) {
	t.Helper()
	for {
		f, err := readServerFrame(c)
		if err != nil {
			t.Fatalf("read: %v, want a close frame", err)
		}
		if f.Header.OpCode == ws.OpClose {
			code, reason := ws.ParseCloseFrameData(f.Payload)
			return code, reason
		}
	}
}

func closeBody(code ws.StatusCode, reason string) string {
	return string(ws.NewCloseFrameBody(code, reason))
}

// TestWebSocketCloseCodes sends what a hostile or broken client might and
// checks the close code the server answers with (RFC 6455 7.4.1) and what
// the session is told.
func TestWebSocketCloseCodes(t *testing.T) {
	pool := newPool(t, nil)
	tests := []struct {
		name     string
		in       []clientFrame
		wantCode ws.StatusCode
		wantErr  error // in ParseFailed, else in WebSocketClosed; nil: io.EOF
	}{
		{"invalid UTF-8 text", []clientFrame{text("42[\"msg\",\"\xff\"]")}, ws.StatusInvalidFramePayloadData, ErrInvalidUTF8},
		{"overlong UTF-8 encoding", []clientFrame{text("4\xc0\xaf")}, ws.StatusInvalidFramePayloadData, ErrInvalidUTF8},
		{"UTF-16 surrogate", []clientFrame{text("4\xed\xa0\x80")}, ws.StatusInvalidFramePayloadData, ErrInvalidUTF8},
		{"invalid UTF-8 in the last fragment", []clientFrame{{op: ws.OpText, payload: "4ok"}, {op: ws.OpContinuation, fin: true, payload: "\xff"}}, ws.StatusInvalidFramePayloadData, ErrInvalidUTF8},
		{"truncated UTF-8 at the end", []clientFrame{text("4\xe2\x82")}, ws.StatusInvalidFramePayloadData, ErrInvalidUTF8},
		{"not Engine.IO", []clientFrame{text("abc")}, ws.StatusProtocolError, eio.ErrUnknownType},
		{"empty text", []clientFrame{text("")}, ws.StatusProtocolError, eio.ErrEmptyPacket},
		{"fragmented ping", []clientFrame{{op: ws.OpPing, payload: "x"}, {op: ws.OpContinuation, fin: true}}, ws.StatusProtocolError, ws.ErrProtocolControlNotFinal},
		{"fragmented pong", []clientFrame{{op: ws.OpPong}}, ws.StatusProtocolError, ws.ErrProtocolControlNotFinal},
		{"fragmented close", []clientFrame{{op: ws.OpClose, payload: closeBody(1000, "")}}, ws.StatusProtocolError, ws.ErrProtocolControlNotFinal},
		{"reserved data opcode", []clientFrame{{op: 3, fin: true, payload: "4x"}}, ws.StatusProtocolError, ws.ErrProtocolOpCodeReserved},
		{"reserved control opcode", []clientFrame{{op: 0xb, fin: true}}, ws.StatusProtocolError, ws.ErrProtocolOpCodeReserved},
		{"RSV1 without deflate", []clientFrame{{op: ws.OpText, fin: true, rsv: ws.Rsv(true, false, false), payload: "4x"}}, ws.StatusProtocolError, ws.ErrProtocolNonZeroRsv},
		{"unmasked", []clientFrame{{op: ws.OpText, fin: true, payload: "4x", unmasked: true}}, ws.StatusProtocolError, ws.ErrProtocolMaskRequired},
		{"continuation first", []clientFrame{{op: ws.OpContinuation, fin: true, payload: "4x"}}, ws.StatusProtocolError, ws.ErrProtocolContinuationUnexpected},
		{"text inside a fragmented message", []clientFrame{{op: ws.OpText, payload: "4x"}, text("4y")}, ws.StatusProtocolError, ws.ErrProtocolContinuationExpected},
		{"control frame too long", []clientFrame{{op: ws.OpPing, fin: true, payload: string(make([]byte, 126))}}, ws.StatusProtocolError, ws.ErrProtocolControlPayloadOverflow},
		{"close with a 1-byte body", []clientFrame{closing("\x03")}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 999", []clientFrame{closing(closeBody(999, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 1004", []clientFrame{closing(closeBody(1004, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 1005", []clientFrame{closing(closeBody(1005, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 1006", []clientFrame{closing(closeBody(1006, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 1015", []clientFrame{closing(closeBody(1015, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 2000", []clientFrame{closing(closeBody(2000, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close code 5000", []clientFrame{closing(closeBody(5000, ""))}, ws.StatusProtocolError, ErrCloseFrame},
		{"close reason invalid UTF-8", []clientFrame{closing(closeBody(1000, "bye\xff"))}, ws.StatusInvalidFramePayloadData, ErrCloseFrame},
		{"close without a code", []clientFrame{closing("")}, ws.StatusNormalClosure, nil},
		{"close 1000 echoed", []clientFrame{closing(closeBody(1000, "bye"))}, ws.StatusNormalClosure, nil},
		{"close 1001 echoed", []clientFrame{closing(closeBody(1001, ""))}, ws.StatusGoingAway, nil},
		{"close 1013 echoed", []clientFrame{closing(closeBody(1013, ""))}, 1013, nil},
		{"close 4000 echoed", []clientFrame{closing(closeBody(4000, "app"))}, 4000, nil},
		{"ping between fragments, then close", []clientFrame{{op: ws.OpText, payload: "4a"}, {op: ws.OpPing, fin: true, payload: "p"}, {op: ws.OpContinuation, fin: true, payload: "\xc3\xa9"}, closing(closeBody(1000, ""))}, ws.StatusNormalClosure, nil},
	}
	readers(t, func(t *testing.T, poller *ReadPoller) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, client, sess := newWSPair(t, pool, poller, QueueLimits{}, 1000)
				writeFrames(t, client, tt.in)
				code, _ := readClose(t, client)
				if code != tt.wantCode {
					t.Errorf("close code after %s = %d, want %d", tt.name, code, tt.wantCode)
				}
				var gotErr error
				for _, m := range sess.untilClosed(t) {
					switch m := m.(type) {
					case *ParseFailed:
						gotErr = m.Err
					case *WebSocketClosed:
						if gotErr == nil {
							gotErr = m.Err
						}
					}
				}
				want := tt.wantErr
				if want == nil {
					want = io.EOF
				}
				if !errors.Is(gotErr, want) {
					t.Errorf("session told %v after %s, want %v", gotErr, tt.name, want)
				}
			})
		}
	})
}

// TestWebSocketValidMessages: what must pass the checks above does.
func TestWebSocketValidMessages(t *testing.T) {
	pool := newPool(t, nil)
	tests := []struct {
		name string
		in   []clientFrame
		want eio.Packet
	}{
		{"ASCII", []clientFrame{text("4hello")}, eio.Packet{Type: eio.Message, Data: []byte("hello")}},
		{"multi-byte", []clientFrame{text("4h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")}, eio.Packet{Type: eio.Message, Data: []byte("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")}},
		{"a character split across fragments", []clientFrame{{op: ws.OpText, payload: "4\xe2"}, {op: ws.OpContinuation, payload: "\x82"}, {op: ws.OpContinuation, fin: true, payload: "\xac"}}, eio.Packet{Type: eio.Message, Data: []byte("\xe2\x82\xac")}},
		{"binary is not UTF-8", []clientFrame{{op: ws.OpBinary, fin: true, payload: "\xff\xfe"}}, eio.Packet{Type: eio.Message, Data: []byte("\xff\xfe"), Binary: true}},
	}
	readers(t, func(t *testing.T, poller *ReadPoller) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, client, sess := newWSPair(t, pool, poller, QueueLimits{}, 1000)
				writeFrames(t, client, tt.in)
				m := sess.next(t)
				got, ok := m.(*WebSocketPacket)
				if !ok || got.Packet.Type != tt.want.Type || got.Packet.Binary != tt.want.Binary || string(got.Packet.Data) != string(tt.want.Data) {
					t.Fatalf("read(%s) reported %#v, want packet %+v", tt.name, m, tt.want)
				}
			})
		}
	})
}
