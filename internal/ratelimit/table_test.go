package ratelimit

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBucket(t *testing.T) {
	r := NewRate(2, time.Second, 3) // 3 at once, then 2 a second
	var b Bucket
	tests := []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {0, true}, {0, true}, {0, false}, // the burst
		{400 * time.Millisecond, false}, // 0.8 token back
		{500 * time.Millisecond, true},  // 1 token back
		{500 * time.Millisecond, false},
		{5 * time.Second, true}, {5 * time.Second, true}, {5 * time.Second, true}, {5 * time.Second, false}, // full again, never more than Burst
	}
	for i, tt := range tests {
		if got, _ := b.Take(r, t0.Add(tt.at)); got != tt.want {
			t.Fatalf("take %d at %v = %v, want %v", i, tt.at, got, tt.want)
		}
	}
	if _, retry := b.Take(r, t0.Add(5*time.Second)); retry != 500*time.Millisecond {
		t.Errorf("retry = %v, want 500ms", retry)
	}
}

func addr(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0xd, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
}

func TestTableLimits(t *testing.T) {
	tab := NewTable(Limits{Rate: NewRate(3, time.Second, 0), PerKey: 2, MaxKeys: 64})
	a, b := addr(1), addr(2)
	k1, why, _ := tab.Admit(a, t0)
	k2, why2, _ := tab.Admit(a, t0)
	if why != Admitted || why2 != Admitted {
		t.Fatalf("Admit(a) twice = %v, %v, want Admitted", why, why2)
	}
	if _, why, _ := tab.Admit(a, t0); why != PerKeyExceeded {
		t.Errorf("third Admit(a) = %v, want PerKeyExceeded", why)
	}
	k1.Release()
	k1.Release() // once only
	if _, why, retry := tab.Admit(a, t0); why != RateExceeded || retry <= 0 {
		t.Errorf("Admit(a) after 3 tokens = %v (retry %v), want RateExceeded", why, retry)
	}
	if _, why, _ := tab.Admit(b, t0); why != Admitted {
		t.Errorf("Admit(b) = %v, want Admitted: another key is not limited", why)
	}
	k3, why, _ := tab.Admit(a, t0.Add(time.Second))
	if why != Admitted {
		t.Errorf("Admit(a) a second later = %v, want Admitted", why)
	}
	k2.Release()
	k3.Release()
}

// An attacker cycling addresses (IPv6 gives it as many as it likes) never
// grows the table past MaxKeys, and the memory it holds stays bounded.
func TestTableBoundedMemory(t *testing.T) {
	const maxKeys = 4096
	tab := NewTable(Limits{Rate: NewRate(1, time.Minute, 0), PerKey: 1, MaxKeys: maxKeys})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range 50_000 {
		k, why, _ := tab.Admit(addr(i), t0)
		if why != Admitted {
			t.Fatalf("Admit(new address %d) = %v, want Admitted (idle keys make room)", i, why)
		}
		k.Release()            // a handshake that failed, or a connection that closed
		tab.Admit(addr(i), t0) // refused by the rate: nothing open, a drained bucket
	}
	if n := tab.Len(); n > maxKeys {
		t.Errorf("Len() = %d after 50000 addresses, want <= %d", n, maxKeys)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("table of %d keys: heap +%d KiB (%d B/key)", tab.Len(), grew>>10, grew/int64(max(1, tab.Len())))
	if grew > 4<<20 {
		t.Errorf("heap grew %d KiB for %d keys, want < 4 MiB", grew>>10, maxKeys)
	}
	// Idle keys whose bucket is full again go as the table is used.
	later := t0.Add(2 * time.Minute)
	const users = 256 // returning clients, spread over the shards
	for i := range 2 * maxKeys {
		if k, _, _ := tab.Admit(addr(-1-i%users), later); k != nil {
			k.Release()
		}
	}
	if n := tab.Len(); n > 2*users {
		t.Errorf("Len() = %d once the idle keys' buckets refilled, want them expired (<= %d)", n, 2*users)
	}
}

func TestTableFullOfOpenKeys(t *testing.T) {
	tab := NewTable(Limits{PerKey: 1, MaxKeys: shardCount}) // one key per shard
	var held []*Ticket
	full := false
	for i := 0; i < 1000 && !full; i++ {
		k, why, _ := tab.Admit(addr(i), t0)
		switch why {
		case Admitted:
			held = append(held, k)
		case TableFull:
			full = true
		default:
			t.Fatalf("Admit(%d) = %v", i, why)
		}
	}
	if !full || tab.Len() > shardCount {
		t.Fatalf("table of open keys: full=%v Len=%d, want TableFull and Len <= %d", full, tab.Len(), shardCount)
	}
	for _, k := range held {
		k.Release()
	}
	if n := tab.Len(); n != 0 {
		t.Errorf("Len() = %d once every ticket is released (no rate), want 0", n)
	}
}
