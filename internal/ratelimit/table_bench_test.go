package ratelimit

import (
	"sync/atomic"
	"testing"
	"time"
)

// The cost of one handshake's admission and release, on many goroutines
// at once: what a flood of handshakes pays per request.
func BenchmarkAdmitRelease(b *testing.B) {
	for _, keys := range []int{1, 100_000} {
		b.Run("keys="+map[int]string{1: "1", 100_000: "100000"}[keys], func(b *testing.B) {
			tab := NewTable(Limits{Rate: NewRate(1_000_000, time.Second, 0), PerKey: 1 << 30, MaxKeys: 65536})
			var n atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					if k, _, _ := tab.Admit(addr(i%keys), time.Now()); k != nil {
						k.Release()
					}
				}
			})
		})
	}
}
