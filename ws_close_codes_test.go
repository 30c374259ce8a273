package actorio_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// A WebSocket the server closes says why, with the close code of RFC 6455
// 7.4.1, through the whole stack (transport and session): 1002 for what is
// not the protocol, 1007 for text that is not UTF-8, 1008 "slow consumer"
// for a client that does not read, 1000 for a normal end.

func TestWebSocketCloseCodesEndToEnd(t *testing.T) {
	engine := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second, MaxHTTPBufferSize: 100})
	sio := startSIOServer(t, sioCase{transport: "websocket", parser: "json"}.options()).url
	frame := func(op ws.OpCode, fin bool, p string) ws.Frame { return ws.NewFrame(op, fin, []byte(p)) }
	tests := []struct {
		name string
		url  string
		in   []ws.Frame
		want ws.StatusCode
	}{
		{"not Engine.IO", engine, []ws.Frame{frame(ws.OpText, true, "abc")}, ws.StatusProtocolError},
		{"not UTF-8", engine, []ws.Frame{frame(ws.OpText, true, "4\xff")}, ws.StatusInvalidFramePayloadData},
		{"fragmented ping", engine, []ws.Frame{frame(ws.OpPing, false, "")}, ws.StatusProtocolError},
		{"too big", engine, []ws.Frame{frame(ws.OpText, true, "4"+string(bytes.Repeat([]byte("x"), 200)))}, ws.StatusMessageTooBig},
		{"client close", engine, []ws.Frame{frame(ws.OpClose, true, string(ws.NewCloseFrameBody(ws.StatusGoingAway, "")))}, ws.StatusGoingAway},
		{"not Socket.IO", sio, []ws.Frame{frame(ws.OpText, true, "4abc")}, ws.StatusProtocolError},
		{"Socket.IO event not an array", sio, []ws.Frame{frame(ws.OpText, true, "40"), frame(ws.OpText, true, "42{}")}, ws.StatusProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := wsURL(tt.url, "?EIO=4&transport=websocket")
			if tt.url == sio {
				url = wsURL(tt.url, "/socket.io/?EIO=4&transport=websocket")
			}
			c := dialWS(t, url)
			readText(t, c)
			for _, f := range tt.in {
				if err := ws.WriteFrame(c, ws.MaskFrame(f)); err != nil {
					t.Fatal(err)
				}
			}
			code, reason, err := readCloseFrame(c)
			if err != nil || code != tt.want {
				t.Errorf("close after %s = %d %q (%v), want %d", tt.name, code, reason, err, tt.want)
			}
		})
	}
}

// sendFlooder sends a client that asks for it more than its queue may hold.
type sendFlooder struct {
	closeRecorder
	frames, size int
}

func (f sendFlooder) OnMessage(s *actorio.EngineSession, data []byte, _ bool) {
	if string(data) != "flood" {
		return
	}
	msg := bytes.Repeat([]byte("f"), f.size)
	for range f.frames {
		s.Send(msg, false)
	}
}

// TestSlowConsumerGetsCloseFrame: a client that stops reading is closed
// after the slow-consumer grace; when it reads again it finds, after what
// was already on its way, a close frame 1008 "slow consumer" instead of
// the rest of the backlog.
func TestSlowConsumerGetsCloseFrame(t *testing.T) {
	const frames, size = 1000, 8 << 10 // 8 MB: more than the kernel buffers
	h := sendFlooder{closeRecorder: closeRecorder{reasons: make(chan string, 1)}, frames: frames, size: size}
	base := serve(t, &actorio.EngineOptions{
		PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second,
		QueueLimits:       actorio.QueueLimits{SoftBytes: 256 << 10, HardBytes: 64 << 20},
		SlowConsumerGrace: 50 * time.Millisecond,
	}, h)
	c := dialWS(t, wsURL(base, "/engine.io/?EIO=4&transport=websocket"))
	readText(t, c)
	if err := wsutil.WriteClientText(c, []byte("4flood")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-h.reasons:
		if got != "transport error" {
			t.Errorf("session closed with %q, want transport error (slow consumer)", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read was not closed within 10s")
	}

	var data int
	var last ws.Frame
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := testkit.ReadFrame(c)
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			t.Fatalf("read after %d frames: %v", data, err)
		}
		if f.Header.OpCode == ws.OpText {
			data++
		}
		last = f
	}
	code, reason := ws.ParseCloseFrameData(last.Payload)
	if last.Header.OpCode != ws.OpClose || code != ws.StatusPolicyViolation || reason != "slow consumer" {
		t.Errorf("last frame = %v %q, want close 1008 \"slow consumer\"", last.Header.OpCode, last.Payload)
	}
	if data >= frames {
		t.Errorf("client read %d of %d messages before the close, want the backlog dropped", data, frames)
	}
}
