package actorio_test

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/conformance"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/rs/zerolog"
)

// The Socket.IO half of docs/conformance.md at the wire level: raw
// WebSocket frames, replies compared as exact strings.

// startConformance serves the conformance server with a heartbeat of a
// minute: these raw clients never answer pings, and the suites' 300ms +
// 200ms would close a test that a loaded machine slows down.
func startConformance(t *testing.T) string {
	t.Helper()
	var logs syncBuffer
	srv := conformance.NewWithHeartbeat(zerolog.New(&logs).Level(zerolog.DebugLevel), time.Minute, time.Minute)
	hs := httptest.NewServer(srv.Handler)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return hs.URL
}

// sioConn opens a WebSocket to /socket.io/ and reads the open packet.
func sioConn(t *testing.T, base string) net.Conn {
	t.Helper()
	c := dialWS(t, wsURL(base, "/socket.io/?EIO=4&transport=websocket"))
	if open := readText(t, c); !strings.HasPrefix(open, "0{") {
		t.Fatalf("open = %q", open)
	}
	return c
}

// next returns the next data frame, skipping Engine.IO pings.
func next(t *testing.T, c net.Conn) (string, ws.OpCode) {
	t.Helper()
	for {
		data, op, err := wsutil.ReadServerData(c)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if op == ws.OpText && string(data) == "2" {
			continue
		}
		return string(data), op
	}
}

func writeBinary(c net.Conn, b []byte) error { return wsutil.WriteClientBinary(c, b) }

func send(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if err := wsutil.WriteClientText(c, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestSocketIOConnect(t *testing.T) {
	base := startConformance(t)
	tests := []struct {
		connect, nsp, auth string
	}{
		{"40", "", "{}"},
		{`40{"token":"123"}`, "", `{"token":"123"}`},
		{"40/custom,", "/custom,", "{}"},
		{"40/custom", "/custom,", "{}"},
		{`40/custom,{"token":"abc"}`, "/custom,", `{"token":"abc"}`},
	}
	for _, tt := range tests {
		t.Run(tt.connect, func(t *testing.T) {
			c := sioConn(t, base)
			send(t, c, tt.connect)
			reply, _ := next(t, c)
			prefix := "40" + tt.nsp
			var body map[string]any
			if !strings.HasPrefix(reply, prefix) || json.Unmarshal([]byte(reply[len(prefix):]), &body) != nil || len(body) != 1 || len(body["sid"].(string)) != 20 {
				t.Fatalf("CONNECT reply = %q, want %s{\"sid\":...} with only sid", reply, prefix)
			}
			if got, want := mustNext(t, c), `42`+tt.nsp+`["auth",`+tt.auth+`]`; got != want {
				t.Errorf("after connect got %q, want %q", got, want)
			}
		})
	}
}

func mustNext(t *testing.T, c net.Conn) string {
	t.Helper()
	s, _ := next(t, c)
	return s
}

func TestSocketIOUnknownNamespace(t *testing.T) {
	c := sioConn(t, startConformance(t))
	send(t, c, "40/random")
	if got := mustNext(t, c); got != `44/random,{"message":"Invalid namespace"}` {
		t.Fatalf("got %q", got)
	}
	send(t, c, "40") // the connection stays open
	if got := mustNext(t, c); !strings.HasPrefix(got, `40{"sid":"`) {
		t.Errorf("connect after refusal = %q", got)
	}
}

func TestSocketIOInvalidPacketsClose(t *testing.T) {
	base := startConformance(t)
	for _, bad := range []string{"4abc", `42{}`, `42abc["a"]`} {
		for _, connectFirst := range []bool{false, true} {
			c := sioConn(t, base)
			if connectFirst {
				send(t, c, "40")
				mustNext(t, c)
				mustNext(t, c)
			}
			send(t, c, bad)
			if err := readUntilClosed(c); err != nil {
				t.Errorf("%q (connected %v): %v", bad, connectFirst, err)
			}
		}
	}
}

// readUntilClosed reads until the server closes the connection, within
// testkit.Timeout.
func readUntilClosed(c net.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(testkit.Timeout))
	for {
		if _, _, err := wsutil.ReadServerData(c); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return err
			}
			return nil
		}
	}
}

// A connection that joins no namespace is closed by the 1s connect timeout
// (the default, 45s, is past readUntilClosed's deadline; the heartbeat, a
// minute, cannot be what closes it).
func TestSocketIONoConnectCloses(t *testing.T) {
	c := sioConn(t, startConformance(t))
	if err := readUntilClosed(c); err != nil {
		t.Fatal(err)
	}
}

func TestSocketIODisconnect(t *testing.T) {
	base := startConformance(t)
	t.Run("main namespace", func(t *testing.T) {
		c := sioConn(t, base)
		send(t, c, "40")
		mustNext(t, c)
		mustNext(t, c)
		send(t, c, "41")
		// Nothing comes back: the next frame answers the next request.
		send(t, c, "40/custom,")
		if got := mustNext(t, c); !strings.HasPrefix(got, `40/custom,{"sid":"`) {
			t.Errorf("after 41 got %q, want nothing before the CONNECT reply of /custom", got)
		}
	})
	t.Run("custom namespace", func(t *testing.T) {
		c := sioConn(t, base)
		send(t, c, "40")
		mustNext(t, c)
		mustNext(t, c)
		send(t, c, "40/custom,")
		mustNext(t, c)
		mustNext(t, c)
		send(t, c, "41/custom,")
		send(t, c, `42["message",1]`)
		if got := mustNext(t, c); got != `42["message-back",1]` {
			t.Errorf("got %q, want the echo on /", got)
		}
	})
}

func connected(t *testing.T, base string) net.Conn {
	t.Helper()
	c := sioConn(t, base)
	send(t, c, "40")
	mustNext(t, c)
	mustNext(t, c)
	return c
}

func TestSocketIOEvents(t *testing.T) {
	c := connected(t, startConformance(t))
	send(t, c, `42["message",1,"2",{"3":[true]}]`)
	if got := mustNext(t, c); got != `42["message-back",1,"2",{"3":[true]}]` {
		t.Errorf("echo = %q", got)
	}
	send(t, c, `42456["message-with-ack",1,"2",{"3":[false]}]`)
	if got := mustNext(t, c); got != `43456[1,"2",{"3":[false]}]` {
		t.Errorf("ack = %q", got)
	}
	send(t, c, `42["message",{"z":1,"a":{"y":[1.50,"é"]}}]`)
	if got := mustNext(t, c); got != `42["message-back",{"z":1,"a":{"y":[1.50,"é"]}}]` {
		t.Errorf("echo keeps key order and number form: %q", got)
	}
}

func TestSocketIOBinary(t *testing.T) {
	c := connected(t, startConformance(t))
	placeholders := `{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}`
	for _, tt := range []struct{ header, want string }{
		{`452-["message",` + placeholders + `]`, `452-["message-back",` + placeholders + `]`},
		{`452-789["message-with-ack",` + placeholders + `]`, `462-789[` + placeholders + `]`},
	} {
		send(t, c, tt.header)
		_ = wsutil.WriteClientBinary(c, []byte{1, 2, 3})
		_ = wsutil.WriteClientBinary(c, []byte{4, 5, 6})
		if got := mustNext(t, c); got != tt.want {
			t.Fatalf("header = %q, want %q", got, tt.want)
		}
		for _, want := range [][]byte{{1, 2, 3}, {4, 5, 6}} {
			data, op := next(t, c)
			if op != ws.OpBinary || data != string(want) {
				t.Errorf("attachment = %v (op %v), want %v", []byte(data), op, want)
			}
		}
	}
}
