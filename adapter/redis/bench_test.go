package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/testkit/redistest"
	"github.com/actorio/actorio/protocol/sio"
)

// BenchmarkBroadcast: one Broadcast, encoded (msgpack) and published to a
// real redis-server on loopback, one at a time as an emitting handler does.
func BenchmarkBroadcast(b *testing.B) {
	for _, tt := range []struct {
		name  string
		rooms []string
	}{{"rooms=0", nil}, {"rooms=1", []string{"lobby"}}} {
		b.Run(tt.name, func(b *testing.B) {
			rs := redistest.Start(b)
			ad, rdb := newAdapter(b, rs, nil)
			defer rdb.Close()
			defer ad.Close()
			p := &sio.Packet{Type: sio.Event, Namespace: "/", Data: []byte(`["chat",{"from":"ann","text":"hello, everyone","n":42}]`)}
			opts := adapter.BroadcastOptions{Rooms: tt.rooms, Flags: adapter.Flags{Compress: true}}
			ctx := context.Background()
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if err := ad.Broadcast(ctx, p, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
