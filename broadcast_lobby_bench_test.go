package actorio_test

import (
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorio/actorio"
)

// BenchmarkLobbyBroadcast measures the lobby's call, socket.To(room).Emit
// (every member but the sender), from Emit until every other member's
// client has read it, over loopback WebSockets. One op is one broadcast;
// ns/recipient divides by the recipients.
func BenchmarkLobbyBroadcast(b *testing.B) {
	for _, members := range []int{10, 1000} {
		for _, inflight := range []int{1, 64} {
			b.Run("members="+strconv.Itoa(members)+"/except=sender/inflight="+strconv.Itoa(inflight), func(b *testing.B) {
				benchLobbyBroadcast(b, members, inflight)
			})
		}
	}
}

func benchLobbyBroadcast(b *testing.B, members, inflight int) {
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
	recipients := int64(members - 1)
	wait := func(broadcasts int64) {
		want := broadcasts * recipients * frameLen
		for received.Load() < want {
			runtime.Gosched()
		}
	}
	op := (<-sender).To("lobby")
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
		b.Fatalf("clients read %d bytes, want %d (the sender must not get its own broadcast)", got, want)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(sent*recipients), "ns/recipient")
}
