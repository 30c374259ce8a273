package ratelimit

import "time"

// Rate is a token bucket's shape: Burst tokens at most, refilled at PerSec
// tokens a second. A Rate with PerSec <= 0 limits nothing.
type Rate struct {
	PerSec float64
	Burst  float64
}

// NewRate is count tokens per interval with a bucket of burst (count when
// burst <= 0). Zero count is no limit.
func NewRate(count int, interval time.Duration, burst int) Rate {
	if count <= 0 {
		return Rate{}
	}
	if interval <= 0 {
		interval = time.Second
	}
	if burst <= 0 {
		burst = count
	}
	return Rate{PerSec: float64(count) / interval.Seconds(), Burst: float64(burst)}
}

// On reports whether r limits anything.
func (r Rate) On() bool { return r.PerSec > 0 }

// Bucket is one token bucket. The zero value is full.
type Bucket struct {
	used float64   // tokens taken and not yet refilled (0: full)
	last time.Time // when used was last brought up to date
}

// Take takes one token at now. Refused, it returns how long until one is
// there.
func (b *Bucket) Take(r Rate, now time.Time) (ok bool, retry time.Duration) {
	b.settle(r, now)
	if b.used+1 > r.Burst {
		return false, time.Duration((b.used + 1 - r.Burst) / r.PerSec * float64(time.Second))
	}
	b.used++
	return true, 0
}

// settle refills what the time since the last call has brought.
func (b *Bucket) settle(r Rate, now time.Time) {
	if !b.last.IsZero() {
		b.used = max(0, b.used-now.Sub(b.last).Seconds()*r.PerSec)
	}
	b.last = now
}

// full reports whether the bucket is full at now, without changing it.
func (b *Bucket) full(r Rate, now time.Time) bool {
	return b.last.IsZero() || b.used-now.Sub(b.last).Seconds()*r.PerSec <= 0
}
