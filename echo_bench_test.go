package actorio_test

import (
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws/wsutil"
)

// BenchmarkAckedEcho is the bench contract's echo: clients each doing
// sequential acked echoes over loopback WebSockets, the server answering
// with the arguments unchanged. One op is one round trip. cpu-ns/op is the
// process's CPU time (server and clients) per round trip: on a shared
// machine it moves less with the neighbours' load than ns/op does.
func BenchmarkAckedEcho(b *testing.B) {
	ackedEcho(b, func(a actorio.Args, ack actorio.Ack) { _ = ack.Send(a.Forward()...) },
		`["echo","1732245600123456789|42|7|xxxx"]`)
}

// BenchmarkAckedEchoTyped is the echo with a handler as users write them:
// the argument decoded into a struct (encoding/json), the answer encoded
// from it. Its deeper stack is what a handler's goroutine has to grow.
func BenchmarkAckedEchoTyped(b *testing.B) {
	type msg struct {
		T int64  `json:"t"`
		N int    `json:"n"`
		S string `json:"s"`
	}
	ackedEcho(b, func(m msg, ack actorio.Ack) { _ = ack.Send(m) },
		`["echo",{"t":1732245600123456789,"n":42,"s":"xxxx"}]`)
}

// ackedEcho runs 100 clients, each sending the event data (a JSON array)
// with an ack id and waiting for the answer, handled by handler.
func ackedEcho(b *testing.B, handler any, data string) {
	const clients = 100
	srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{PingInterval: time.Hour, PingTimeout: time.Hour}})
	srv.OnConnection(func(s *actorio.Socket) {
		if err := s.On("echo", handler); err != nil {
			b.Error(err)
		}
	})
	web := httptest.NewServer(srv)
	defer web.Close()
	defer srv.Close()
	conns := make([]*exClient, clients)
	for i := range conns {
		conns[i] = exampleClient(web.URL, "40")
	}
	per := b.N/clients + 1
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				id := strconv.Itoa(i)
				_ = wsutil.WriteClientText(c.conn, []byte(`42`+id+data))
				c.read()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/time.Since(start).Seconds(), "acks/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(per*clients), "cpu-ns/op")
	}
}
