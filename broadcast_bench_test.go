package actorio_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// BenchmarkRoomBroadcast measures a broadcast to a 1,000-member room from
// io.To(room).Emit until every member's client has read it, over loopback
// WebSockets. One op is one broadcast; ns/recipient and allocs/recipient
// divide by the recipients. The clients count bytes into fixed buffers, so
// the allocations are the server's.
func BenchmarkRoomBroadcast(b *testing.B) {
	const members = 1000
	for _, inflight := range []int{1, 64} {
		b.Run("members="+strconv.Itoa(members)+"/inflight="+strconv.Itoa(inflight), func(b *testing.B) {
			benchRoomBroadcast(b, members, inflight, false)
		})
	}
}

// BenchmarkLobbyBroadcast measures the lobby's call, socket.To(room).Emit
// (every member but the sender), the same way.
func BenchmarkLobbyBroadcast(b *testing.B) {
	for _, members := range []int{10, 1000} {
		for _, inflight := range []int{1, 64} {
			b.Run("members="+strconv.Itoa(members)+"/except=sender/inflight="+strconv.Itoa(inflight), func(b *testing.B) {
				benchRoomBroadcast(b, members, inflight, true)
			})
		}
	}
}

// benchRoomBroadcast broadcasts to a room of members from the server or,
// fromSender, from one member to the others.
func benchRoomBroadcast(b *testing.B, members, inflight int, fromSender bool) {
	srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{PingInterval: time.Hour, PingTimeout: time.Hour}})
	sender := make(chan *actorio.Socket, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		s.Join("lobby")
		select {
		case sender <- s:
		default:
		}
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()

	payload := json.RawMessage(`"` + strings.Repeat("x", 80) + `"`)
	frameLen := int64(2 + len(`42["tick",]`) + len(payload))
	var received atomic.Int64
	for range members {
		conn := benchClient(b, hs.URL)
		defer conn.Close()
		go func() {
			buf := make([]byte, 64<<10)
			for {
				n, err := conn.Read(buf)
				received.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
	for srv.Of("/").RoomSize("lobby") < members {
		runtime.Gosched()
	}
	op, recipients := srv.To("lobby"), int64(members)
	if fromSender {
		op, recipients = (<-sender).To("lobby"), int64(members-1)
	}
	// The waits yield rather than spin: on two cores a spinning waiter
	// would take a core from the server it measures.
	wait := func(broadcasts int64) {
		want := broadcasts * recipients * frameLen
		for received.Load() < want {
			runtime.Gosched()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	sent := int64(0)
	for b.Loop() {
		if err := op.Emit("tick", payload); err != nil {
			b.Fatal(err)
		}
		sent++
		if sent > int64(inflight) {
			wait(sent - int64(inflight))
		}
	}
	wait(sent)
	elapsed := time.Since(start)
	if got, want := received.Load(), sent*recipients*frameLen; got != want {
		b.Fatalf("clients read %d bytes, want %d (a sender must not get its own broadcast)", got, want)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(sent*recipients), "ns/recipient")
}

// benchClient connects a raw WebSocket client to "/" and returns it once
// the CONNECT reply has been read, so only broadcasts remain to count.
func benchClient(b *testing.B, base string) net.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		b.Fatal(err)
	}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{r, conn}
	if _, _, err := wsutil.ReadServerData(rw); err != nil { // open
		b.Fatal(err)
	}
	if err := wsutil.WriteClientText(conn, []byte("40")); err != nil {
		b.Fatal(err)
	}
	if _, _, err := wsutil.ReadServerData(rw); err != nil { // CONNECT reply
		b.Fatal(err)
	}
	if br != nil && br.Buffered() > 0 {
		b.Fatal("frames buffered past the CONNECT reply")
	}
	return conn
}
