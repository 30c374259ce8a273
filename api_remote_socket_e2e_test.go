package actorio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
)

// Issue 12 item 11: RemoteSocket.EmitWithAck (Node's
// remoteSocket.timeout(t).emitWithAck), for a socket of this server and
// for one of another server of the cluster (through the adapter's
// broadcast with acks to the socket's own room; the in-process bus of
// adapter_seam_test.go), answered by the official client.

func TestAPIRemoteSocketEmitWithAckE2E(t *testing.T) {
	requireSIONode(t)
	for _, p := range []string{"json", "msgpack"} {
		t.Run(p+"/websocket", func(t *testing.T) { testAPIRemoteSocketEmitWithAck(t, sioCase{transport: "websocket", parser: p}) })
	}
}

func testAPIRemoteSocketEmitWithAck(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	var b bus
	opts := c.options()
	opts.Adapter = b.join()
	home := startSIOServer(t, opts) // the client's server
	opts.Adapter = b.join()
	other := startSIOServer(t, opts)
	conns := home.connections("/", nil)

	p := startPuppet(t, ctx, home.url, c)
	id := p.connect("a", "/")
	sioRecv(t, ctx, conns, "a's connection")

	find := func(srv *sioServer) *actorio.RemoteSocket {
		t.Helper()
		all, err := srv.FetchSockets(ctx)
		if err != nil {
			t.Fatalf("FetchSockets: %v", err)
		}
		for _, r := range all {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("FetchSockets found no socket %s", id)
		return nil
	}
	local, remote := find(home), find(other)
	for _, tt := range []struct {
		name string
		r    *actorio.RemoteSocket
	}{
		{"local", local},
		{"other server", remote},
	} {
		got, err := tt.r.Timeout(e2eTimeout).EmitWithAck(ctx, "rq", "x")
		if err != nil || answer(t, got) != "a:rq" {
			t.Errorf("%s: EmitWithAck(rq) = %q, %v; want a:rq, nil", tt.name, answer(t, got), err)
		}
		start := time.Now()
		_, err = tt.r.Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "silent-rq")
		if !errors.Is(err, actorio.ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 200*time.Millisecond {
			t.Errorf("%s: Timeout(200ms).EmitWithAck(silent-rq) = %v after %v, want ErrAckTimeout after 200ms", tt.name, err, time.Since(start))
		}
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_, err = tt.r.EmitWithAck(short, "silent-ctx")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: EmitWithAck(silent-ctx) with a 200ms context = %v, want context.DeadlineExceeded", tt.name, err)
		}
	}

	p.do(map[string]any{"op": "disconnect", "name": "a"})
	p.wait("a disconnected", func(e puppetEvent) bool { return e.Event == "disconnect" && e.Name == "a" })
	// Once its server has let it go: the cluster does not carry a
	// recipient's disconnect, so one that leaves after the packet reached
	// it is waited for until the timeout, as in Node.
	testkit.Eventually(t, "a gone from its server", func() bool {
		_, ok := home.Of("/").Socket(id)
		return !ok
	})
	for _, tt := range []struct {
		name string
		r    *actorio.RemoteSocket
	}{
		{"local", local},
		{"other server", remote},
	} {
		_, err := tt.r.Timeout(e2eTimeout).EmitWithAck(ctx, "gone")
		if !errors.Is(err, actorio.ErrDisconnected) {
			t.Errorf("%s: EmitWithAck to a disconnected socket = %v, want ErrDisconnected", tt.name, err)
		}
	}
	p.exit()
}
