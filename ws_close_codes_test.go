package actorio_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
)

// A WebSocket the server closes says why, with the close code of RFC 6455
// 7.4.1, through the whole stack (transport and session): 1002 for what is
// not the protocol, 1007 for text that is not UTF-8, the client's own code
// echoed when it closes.

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
