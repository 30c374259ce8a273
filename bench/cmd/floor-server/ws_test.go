package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// masked is a client frame: fin, op, the mask 1 2 3 4.
func masked(fin bool, op byte, payload string) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b := appendHeader(nil, op, len(payload))
	b[0] = b0
	b[1] |= 0x80
	mask := [4]byte{1, 2, 3, 4}
	b = append(b, mask[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^mask[i&3])
	}
	return b
}

func TestFrameReader(t *testing.T) {
	long := strings.Repeat("y", 70000) // 64-bit length, larger than the reader's buffer
	tests := []struct {
		name    string
		in      []byte
		wantOp  byte
		want    string
		wantErr error
	}{
		{name: "text", in: masked(true, opText, `42["echo"]`), wantOp: opText, want: `42["echo"]`},
		{name: "16-bit length", in: masked(true, opText, strings.Repeat("x", 300)), wantOp: opText, want: strings.Repeat("x", 300)},
		{name: "64-bit length", in: masked(true, opText, long), wantOp: opText, want: long},
		{name: "fragments", in: append(append(masked(false, opText, "42[\"ec"), masked(false, opContinuation, "ho\",")...), masked(true, opContinuation, "1]")...), wantOp: opText, want: `42["echo",1]`},
		{name: "ping between fragments", in: append(masked(false, opText, "4"), masked(true, opPing, "p")...), wantOp: opPing, want: "p"},
		{name: "unmasked", in: appendHeader(nil, opText, 0), wantErr: errProtocol},
		{name: "continuation first", in: masked(true, opContinuation, "x"), wantErr: errProtocol},
		{name: "too big", in: masked(true, opText, strings.Repeat("z", maxPayload+1)), wantErr: errTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := frameReader{r: bufio.NewReaderSize(bytes.NewReader(tt.in), readBuffer)}
			op, p, err := fr.next()
			if err != tt.wantErr || (err == nil && (op != tt.wantOp || string(p) != tt.want)) {
				t.Errorf("next(%.40q) = %d, %.40q, %v, want %d, %.40q, %v", tt.in, op, p, err, tt.wantOp, tt.want, tt.wantErr)
			}
		})
	}
}

func TestUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // in the response
		wantErr error
	}{
		{
			// RFC 6455's example key and accept value.
			name: "websocket",
			in:   "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			want: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
		},
		{name: "polling", in: "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n", want: "400 Bad Request", wantErr: errNotUpgrade},
		{name: "other path", in: "GET /x/?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a\r\n\r\n", want: "400 Bad Request", wantErr: errNotUpgrade},
		{name: "Engine.IO 3", in: "GET /socket.io/?EIO=3&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a\r\n\r\n", want: "400 Bad Request", wantErr: errNotUpgrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := upgrade(bufio.NewReader(strings.NewReader(tt.in)))
			if err != tt.wantErr || !strings.Contains(string(resp), tt.want) {
				t.Errorf("upgrade(%.50q) = %q, %v, want %q in it, %v", tt.in, resp, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestStringArg(t *testing.T) {
	tests := []struct {
		in, s, rest string
		ok          bool
	}{
		{in: `"r1"`, s: "r1", rest: "", ok: true},
		{in: `"r1","1|2|3|xx"`, s: "r1", rest: `"1|2|3|xx"`, ok: true},
		{in: `"a\"b",{"k":1}`, s: `a\"b`, rest: `{"k":1}`, ok: true},
		{in: `1,"x"`},
		{in: `"open`},
		{in: `"r1"x`},
	}
	for _, tt := range tests {
		s, rest, ok := stringArg([]byte(tt.in))
		if string(s) != tt.s || string(rest) != tt.rest || ok != tt.ok {
			t.Errorf("stringArg(%q) = %q, %q, %v, want %q, %q, %v", tt.in, s, rest, ok, tt.s, tt.rest, tt.ok)
		}
	}
}
