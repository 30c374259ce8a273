package actorio_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/gobwas/ws/wsutil"
	"github.com/rs/zerolog"
)

// Failures injected into each kind of actor: the failing actor is stopped,
// never restarted with its state wiped, and what depended on it learns so.

// A session actor that fails closes its connection with a reason, is
// logged and counted, and costs no other session.
func TestSessionActorFailure(t *testing.T) {
	var logs syncBuffer
	closed := make(chan string, 4)
	base := serve(t, &actorio.EngineOptions{
		PingInterval: time.Minute, PingTimeout: time.Minute,
		Logger: zerolog.New(&logs),
		// PacketIn runs inside the session actor: a panic there is a
		// failure of the actor itself, not of a user handler.
		PacketIn: func(_ string, p actorio.EnginePacket) {
			if string(p.Data) == "boom" {
				panic("injected")
			}
		},
	}, closeRecorder{reasons: closed}) + "/engine.io/"
	bad := dialWS(t, wsURL(base, "?EIO=4&transport=websocket"))
	good := dialWS(t, wsURL(base, "?EIO=4&transport=websocket"))
	readText(t, bad)
	readText(t, good)

	_ = wsutil.WriteClientText(bad, []byte("4boom"))
	if code, _, err := readCloseFrame(bad); err != nil || code != 1011 {
		t.Fatalf("failed session's connection: close %d, %v; want a close frame 1011", code, err)
	}
	select {
	case reason := <-closed:
		if reason != "transport error" {
			t.Errorf("OnClose reason %q, want transport error", reason)
		}
	case <-time.After(testkit.Timeout):
		t.Fatal("OnClose not called for the failed session")
	}
	_ = wsutil.WriteClientText(good, []byte("4still here"))
	if got := readText(t, good); got != "4still here" {
		t.Errorf("other session echo = %q", got)
	}
	// The root actor logs the failure from its own mailbox: it may come
	// after the session has closed.
	for _, want := range []string{`"kind":"session"`, `"panic":"injected"`, `"detail":"session actor failed"`} {
		testkit.Eventually(t, "a log line with "+want, func() bool { return strings.Contains(logs.String(), want) })
	}
}

// Room actor failures are injected in actors/supervision_test.go.

// A namespace actor that fails, fails loudly: calls return
// ErrNamespaceFailed at once instead of hanging, its sockets are
// disconnected, new connections are refused, and other namespaces go on.
func TestNamespaceActorFailure(t *testing.T) {
	var logs syncBuffer
	srv, base := startServer(t, &actorio.Options{EngineOptions: actorio.EngineOptions{Logger: zerolog.New(&logs)}})
	chat := srv.Of("/chat")
	c := dialSIO(t, base)
	c.connect("/chat")
	c.connect("")
	waitSockets(t, chat, 1)

	// Before runs in the namespace actor, for each recipient: embedding
	// code that passes one that panics makes the actor fail.
	count := make(chan int, 1)
	srv.ActorSystem().Root.Send(chat.PID(), &actors.Broadcast{
		Frames: transport.NewFrames(), Count: count,
		Before: func(any) { panic("injected") },
	})
	c.expect("41/chat,")
	if err := chat.Emit("hello"); !errors.Is(err, actorio.ErrNamespaceFailed) {
		t.Errorf("Emit on the failed namespace = %v, want ErrNamespaceFailed", err)
	}
	c.send("40/chat,")
	c.expect(`44/chat,{"message":"actorio: namespace actor failed"}`)
	// The main namespace is untouched.
	if err := srv.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["news",1]`)
	for _, want := range []string{`"kind":"namespace"`, `"panic":"injected"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}

// Close stops the server's whole actor tree, also in the user's actor
// system, which goes on running; two servers share one system side by side.
func TestCloseStopsTheTreeInUsersSystem(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	defer system.Shutdown()
	a := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{ActorSystem: system}})
	b := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{ActorSystem: system}})
	defer b.Close()
	if a.Engine().PID().Id != "actorio" || b.Engine().PID().Id != "actorio-2" {
		t.Fatalf("root actors %s and %s, want actorio and actorio-2", a.Engine().PID().Id, b.Engine().PID().Id)
	}
	nsp := a.Of("/").PID()
	if !strings.HasPrefix(nsp.Id, "actorio/") {
		t.Errorf("namespace actor %s is not under the server's root", nsp.Id)
	}
	a.Close()
	for _, pid := range []*actor.PID{a.Engine().PID(), nsp} {
		if _, ok := system.ProcessRegistry.GetLocal(pid.Id); ok {
			t.Errorf("%s still registered after Close", pid.Id)
		}
	}
	if b.Of("/").SocketCount() != 0 {
		t.Error("the other server's namespace does not answer")
	}
}
