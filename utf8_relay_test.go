package actorio_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// One sender of text that is not UTF-8 must not break a room: the server
// refuses it where it arrives (close 1007), so a relay (Args.Forward)
// never passes it on to the members whose clients check UTF-8 (browsers,
// the npm ws package), which would drop their connection.

const wsMemberScript = "testdata/e2e/ws_member.js"

func TestInvalidUTF8IsNotRelayed(t *testing.T) {
	requireNode(t)
	if _, err := os.Stat("node_modules/ws/package.json"); err != nil {
		t.Fatalf("ws is not installed (%v): run npm ci (or make deps) in the repository root", err)
	}
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, sioCase{transport: "websocket", parser: "json"}.options())
	nsp := srv.Of("/")
	srv.connections("/", func(s *actorio.Socket) {
		s.Join("room")
		if err := s.On("msg", func(args actorio.Args) error { return s.To("room").Emit("msg", args.Forward()...) }); err != nil {
			t.Errorf("On(msg): %v", err)
		}
	})
	member, _ := runNode(t, ctx, wsMemberScript, "ws member", srv.url)
	if ev := member.next(ctx); ev.Event != "connected" {
		t.Fatalf("ws member: %s, want connected", ev.raw)
	}
	bad, good := sioRawClient(t, srv.url), sioRawClient(t, srv.url)
	waitRoomSize(t, nsp, "room", 3)

	if err := wsutil.WriteClientText(bad, []byte("42[\"msg\",\"\xff\"]")); err != nil {
		t.Fatal(err)
	}
	// Sent once the bad sender is gone, so that it comes after anything
	// the server could have relayed for it.
	if code, reason, err := readCloseFrame(bad); err != nil || code != ws.StatusInvalidFramePayloadData {
		t.Errorf("bad sender closed with %d %q (%v), want 1007", code, reason, err)
	}
	if err := wsutil.WriteClientText(good, []byte(`42["msg","after"]`)); err != nil {
		t.Fatal(err)
	}
	ev := member.next(ctx)
	var got struct{ Args []string }
	if err := json.Unmarshal(ev.raw, &got); err != nil || ev.Event != "msg" || len(got.Args) != 1 || got.Args[0] != "after" {
		t.Fatalf("ws member after the invalid UTF-8: %s, want msg [\"after\"]", ev.raw)
	}
	member.closeStdin(t)
	var res struct{ Received int }
	member.result(ctx, &res)
	if res.Received != 1 {
		t.Errorf("ws member received %d messages, want 1", res.Received)
	}
}

// Over polling too: a POST whose text is not UTF-8 is a parse error, and
// the session ends.
func TestPollingInvalidUTF8IsParseError(t *testing.T) {
	rec := closeRecorder{reasons: make(chan string, 1)}
	base := serve(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second}, rec)
	_, url := handshake(t, base+"/engine.io/")
	if status, body := do(t, "POST", url, "4ok\x1e4\xff"); status != 400 {
		t.Errorf("POST of invalid UTF-8 = %d %q, want 400", status, body)
	}
	select {
	case got := <-rec.reasons:
		if got != "parse error" {
			t.Errorf("session closed with %q, want parse error", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session still open 5s after invalid UTF-8")
	}
}

// sioRawClient connects a raw WebSocket client to the main namespace.
func sioRawClient(t *testing.T, base string) net.Conn {
	t.Helper()
	c := dialWS(t, wsURL(base, "/socket.io/?EIO=4&transport=websocket"))
	if open := readText(t, c); !strings.HasPrefix(open, "0{") {
		t.Fatalf("open = %q", open)
	}
	if err := wsutil.WriteClientText(c, []byte("40")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); !strings.HasPrefix(got, "40{") {
		t.Fatalf("connect answer = %q, want 40{...}", got)
	}
	return c
}

// waitRoomSize waits until room has n members.
func waitRoomSize(t *testing.T, nsp *actorio.Namespace, room string, n int) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("RoomSize(%q) = %d", room, n), func() bool { return nsp.RoomSize(room) == n })
}

// readCloseFrame skips data frames until the server's close frame, for at
// most 5s (a deadline set once: dialWS's buffered reader bypasses its
// per-read deadline).
func readCloseFrame(c net.Conn) (ws.StatusCode, string, error) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		frame, err := testkit.ReadFrame(c)
		if err != nil {
			return 0, "", fmt.Errorf("read: %w, want a close frame", err)
		}
		if frame.Header.OpCode == ws.OpClose {
			code, reason := ws.ParseCloseFrameData(frame.Payload)
			return code, reason, nil
		}
	}
}
