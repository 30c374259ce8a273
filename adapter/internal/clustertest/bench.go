package clustertest

import (
	"context"
	"testing"
	"time"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
)

// countingLocal is a server's local side that only counts the broadcasts
// other servers deliver to it.
type countingLocal struct{ got chan struct{} }

func (countingLocal) Format() adapter.Format          { return adapter.FormatJSON }
func (countingLocal) RecoveryDuration() time.Duration { return 0 }
func (l countingLocal) Broadcast(*sio.Packet, adapter.BroadcastOptions, string) {
	l.got <- struct{}{}
}
func (countingLocal) BroadcastWithAck(_ *sio.Packet, _ adapter.BroadcastOptions, n func(int), _ func(adapter.Args)) {
	n(0)
}
func (countingLocal) FetchSockets(string, adapter.BroadcastOptions) []adapter.SocketInfo { return nil }
func (countingLocal) AddSockets(string, adapter.BroadcastOptions, []string)              {}
func (countingLocal) DelSockets(string, adapter.BroadcastOptions, []string)              {}
func (countingLocal) DisconnectSockets(string, adapter.BroadcastOptions, bool)           {}
func (countingLocal) ServerSideEmit(string, adapter.Args, func(adapter.Args))            {}
func (countingLocal) Rooms(string) []string                                              { return nil }

// BenchCrossServer measures broadcasts from one adapter to another through
// the broker: publish (one at a time, as an emitting handler does) with a
// window of in-flight messages, and the receiver's delivery. It reports
// msgs/s delivered and the publish call's own cost.
func BenchCrossServer(b *testing.B, from, to adapter.Adapter) {
	recv := countingLocal{got: make(chan struct{}, 1024)}
	if err := from.Attach(countingLocal{got: make(chan struct{}, 1)}); err != nil {
		b.Fatal(err)
	}
	if err := to.Attach(recv); err != nil {
		b.Fatal(err)
	}
	for _, a := range []adapter.Adapter{from, to} {
		if err := a.AddNamespace("/"); err != nil {
			b.Fatal(err)
		}
	}
	p := &sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte(`["chat",{"from":"ann","text":"hello, everyone","n":42}]`)}
	opts := adapter.BroadcastOptions{Flags: adapter.Flags{Compress: true}}
	ctx := context.Background()
	const window = 512
	b.ReportAllocs()
	start := time.Now()
	sent, got := 0, 0
	for b.Loop() {
		if sent-got >= window {
			waitOne(b, recv.got)
			got++
		}
		if err := from.Broadcast(ctx, p, opts); err != nil {
			b.Fatal(err)
		}
		sent++
	}
	for got < sent {
		waitOne(b, recv.got)
		got++
	}
	b.ReportMetric(float64(got)/time.Since(start).Seconds(), "msgs/s")
}

// waitOne takes one delivery; it blocks without a timer (a timer per
// message would be counted in the figures) and a watchdog fails the run if
// nothing comes for 10s.
func waitOne(b *testing.B, c <-chan struct{}) {
	select {
	case <-c:
		return
	default:
	}
	t := time.AfterFunc(10*time.Second, func() { b.Error("a broadcast did not arrive within 10s") })
	defer t.Stop()
	<-c
}
