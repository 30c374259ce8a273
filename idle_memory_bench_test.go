package actorio_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/benchserver"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// idleHeapProfile, when set, is where BenchmarkIdleConnMemory writes a heap
// profile taken while its connections are held (go test's -memprofile is
// written after the benchmark, when they are gone), and, with ".base"
// appended, one taken just before they open: pprof -diff_base shows the
// connections' own. Run with -memprofilerate=1 for every allocation.
var idleHeapProfile = flag.String("idleheap", "", "write a heap profile of the idle connections of BenchmarkIdleConnMemory to this file")

// idleConns is how many connections each measurement holds: enough that
// the per-connection figures drown the server's fixed costs.
const idleConns = 2000

// BenchmarkIdleConnMemory measures what an idle Socket.IO connection over
// WebSocket holds: idleConns clients open a WebSocket, connect to "/" of
// the bench server (whose connection handler registers its event
// handlers) and stay idle. Reported per connection, after a forced GC:
// heap-B/conn (HeapInuse: spans, so fragmentation included), live-B/conn
// (HeapAlloc: the objects alone), stack-B/conn (StackInuse) and
// goroutines/conn.
// The clients live in this process: server=tcp holds bare TCP connections
// from the same clients, the floor that both ends' sockets cost here.
// A second measurement in one process reuses the first one's freed spans
// and stacks and reads low: compare single runs in fresh processes,
//
//	for i in 1 2 3; do go test -run '^$' -bench IdleConnMemory -benchtime=1x -count=1; done
func BenchmarkIdleConnMemory(b *testing.B) {
	b.Run("server=actorio", func(b *testing.B) {
		measureIdle(b, func(b *testing.B) (string, func()) {
			srv := benchserver.New(benchserver.Config{Options: &actorio.Options{
				// No heartbeat during the measurement: the timers are
				// armed as always, they only never fire.
				EngineOptions: actorio.EngineOptions{PingInterval: time.Hour, PingTimeout: time.Hour},
			}})
			web := httptest.NewServer(srv)
			return "ws" + strings.TrimPrefix(web.URL, "http") + "/socket.io/?EIO=4&transport=websocket", func() {
				web.Close()
				srv.Close()
			}
		}, dialSocketIO)
	})
	b.Run("server=tcp", func(b *testing.B) {
		measureIdle(b, func(b *testing.B) (string, func()) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var held []net.Conn
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					c, err := ln.Accept()
					if err != nil {
						for _, c := range held {
							_ = c.Close()
						}
						return
					}
					held = append(held, c)
				}
			}()
			return ln.Addr().String(), func() {
				_ = ln.Close()
				<-done
			}
		}, func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		})
	})
}

// measureIdle starts a server (start returns its address and how to stop
// it), opens idleConns connections with dial, and reports what they hold.
func measureIdle(b *testing.B, start func(*testing.B) (string, func()), dial func(context.Context, string) (net.Conn, error)) {
	var heap, live, stack, goroutines float64
	perConn := func(after, before uint64) float64 { return (float64(after) - float64(before)) / idleConns }
	runs := 0
	for b.Loop() {
		addr, stop := start(b)
		// One connection first: what the first one creates once (the
		// namespace's actors, pools) is not a per-connection cost.
		warm, err := dial(context.Background(), addr)
		if err != nil {
			stop()
			b.Fatal(err)
		}
		before := idleStats()
		if *idleHeapProfile != "" {
			if err := writeHeapProfile(*idleHeapProfile + ".base"); err != nil {
				b.Fatal(err)
			}
		}
		conns, err := dialAll(addr, dial)
		if err == nil {
			after := idleStats()
			heap += perConn(after.HeapInuse, before.HeapInuse)
			live += perConn(after.HeapAlloc, before.HeapAlloc)
			stack += perConn(after.StackInuse, before.StackInuse)
			goroutines += perConn(uint64(after.goroutines), uint64(before.goroutines))
			runs++
			if *idleHeapProfile != "" {
				err = writeHeapProfile(*idleHeapProfile)
			}
		}
		for _, c := range append(conns, warm) {
			_ = c.Close()
		}
		stop()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(heap/float64(runs), "heap-B/conn")
	b.ReportMetric(live/float64(runs), "live-B/conn")
	b.ReportMetric(stack/float64(runs), "stack-B/conn")
	b.ReportMetric(goroutines/float64(runs), "goroutines/conn")
}

type idleMemStats struct {
	runtime.MemStats
	goroutines int
}

// idleStats is the memory in use once garbage is gone: two GCs, the second
// clearing what sync.Pools kept through the first.
func idleStats() idleMemStats {
	runtime.GC()
	runtime.GC()
	var s idleMemStats
	runtime.ReadMemStats(&s.MemStats)
	s.goroutines = runtime.NumGoroutine()
	return s
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// dialAll opens idleConns connections to addr, a few at a time, within
// testkit.Timeout in all.
func dialAll(addr string, dial func(context.Context, string) (net.Conn, error)) ([]net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	conns := make([]net.Conn, idleConns)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := w; i < idleConns && errs[w] == nil; i += len(errs) {
				conns[i], errs[w] = dial(ctx, addr)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
		return nil, err
	}
	return conns, nil
}

// dialSocketIO opens a WebSocket to url and connects to "/": the Engine.IO
// open packet, then 40 answered by the CONNECT reply. It returns the bare
// connection, keeping nothing else of the client's.
func dialSocketIO(ctx context.Context, url string) (net.Conn, error) {
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (net.Conn, error) {
		_ = conn.Close()
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fail(err)
	}
	tc := testkit.Wrap(conn, br) // returns br to its pool once drained
	_ = tc.SetReadDeadline(deadline)
	if msg, err := wsutil.ReadServerText(tc); err != nil || len(msg) == 0 || msg[0] != '0' {
		return fail(fmt.Errorf("open packet: %q, %v", msg, err))
	}
	if err := wsutil.WriteClientText(conn, []byte("40")); err != nil {
		return fail(err)
	}
	if msg, err := wsutil.ReadServerText(tc); err != nil || !strings.HasPrefix(string(msg), `40{"sid":`) {
		return fail(fmt.Errorf("CONNECT reply: %q, %v", msg, err))
	}
	return conn, conn.SetDeadline(time.Time{})
}
