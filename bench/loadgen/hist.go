package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Hist is a log-linear latency histogram in the manner of HdrHistogram:
// exact to the microsecond below 256 µs, and above that 128 buckets per
// power of two, so any value is reported within 0.4% (half a bucket). It
// covers up to 2^40 µs (12 days); larger values land in the last bucket.
// Record is O(1) and allocation-free. The zero value is ready to use; a Hist
// is not safe for concurrent use (each generator worker owns its own and
// they are merged at the end).
type Hist struct {
	counts [histBuckets]uint64
	n      uint64
	sum    float64 // ns
	min    int64   // ns
	max    int64   // ns
}

const (
	histSubBits = 8
	histSub     = 1 << histSubBits // exact buckets below this many µs
	histHalf    = histSub / 2      // buckets per power of two above it
	histMaxExp  = 40 - histSubBits + 1
	histBuckets = histSub + histMaxExp*histHalf
)

// histBucket returns the bucket of a value in microseconds.
func histBucket(us uint64) int {
	if us < histSub {
		return int(us)
	}
	e := bits.Len64(us) - histSubBits // us>>e is in [histHalf, histSub)
	i := histSub + (e-1)*histHalf + int(us>>e) - histHalf
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// histRange returns the lowest value (µs) of bucket i and its width (µs).
func histRange(i int) (low, width uint64) {
	if i < histSub {
		return uint64(i), 1
	}
	j := i - histSub
	e := uint(j/histHalf + 1)
	return uint64(j%histHalf+histHalf) << e, 1 << e
}

// Record adds one latency. Negative values (possible only through clock
// rounding) count as zero.
func (h *Hist) Record(d time.Duration) {
	ns := int64(d)
	if ns < 0 {
		ns = 0
	}
	if h.n == 0 || ns < h.min {
		h.min = ns
	}
	if ns > h.max {
		h.max = ns
	}
	h.n++
	h.sum += float64(ns)
	h.counts[histBucket(uint64(ns)/1000)]++
}

// Merge adds every value recorded in o to h.
func (h *Hist) Merge(o *Hist) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// Reset forgets every value.
func (h *Hist) Reset() { *h = Hist{} }

// Count is the number of values recorded.
func (h *Hist) Count() uint64 { return h.n }

// Min and Max are exact.
func (h *Hist) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest value recorded.
func (h *Hist) Max() time.Duration { return time.Duration(h.max) }

// Mean is the exact mean.
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the value below or at which a fraction q (0..1) of the
// values lie: the middle of the bucket holding the ceil(q·n)-th value,
// clamped to [Min, Max]. It is 0 for an empty histogram.
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank >= h.n {
		return time.Duration(h.max)
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := histRange(i)
			v := int64(low*1000 + width*500)
			v = max(v, h.min)
			v = min(v, h.max)
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
