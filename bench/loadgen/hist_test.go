package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistBuckets(t *testing.T) {
	// Every bucket's range must start where the previous one ended, and
	// every value must land in the bucket whose range holds it.
	var next uint64
	for i := 0; i < histBuckets; i++ {
		low, width := histRange(i)
		if low != next {
			t.Fatalf("bucket %d starts at %d µs, want %d", i, low, next)
		}
		if got := histBucket(low); got != i {
			t.Fatalf("histBucket(%d) = %d, want %d", low, got, i)
		}
		if got := histBucket(low + width - 1); got != i {
			t.Fatalf("histBucket(%d) = %d, want %d", low+width-1, got, i)
		}
		if i >= histSub && float64(width)/float64(low) > 1.0/float64(histHalf)+1e-12 {
			t.Fatalf("bucket %d: width %d at %d µs is wider than 1/%d", i, width, low, histHalf)
		}
		next = low + width
	}
	if got := histBucket(math.MaxUint64); got != histBuckets-1 {
		t.Fatalf("histBucket(max) = %d, want the last bucket", got)
	}
}

func TestHistQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values func() []time.Duration
	}{
		{name: "uniform 0-100ms", values: func() []time.Duration {
			r := rand.New(rand.NewPCG(1, 2))
			v := make([]time.Duration, 100000)
			for i := range v {
				v[i] = time.Duration(r.Int64N(int64(100 * time.Millisecond)))
			}
			return v
		}},
		{name: "log-normal around 2ms", values: func() []time.Duration {
			r := rand.New(rand.NewPCG(3, 4))
			v := make([]time.Duration, 100000)
			for i := range v {
				v[i] = time.Duration(2e6 * math.Exp(r.NormFloat64()))
			}
			return v
		}},
		{name: "sub-millisecond", values: func() []time.Duration {
			v := make([]time.Duration, 1000)
			for i := range v {
				v[i] = time.Duration(i) * time.Microsecond / 4
			}
			return v
		}},
		{name: "bimodal with a 5s tail", values: func() []time.Duration {
			v := make([]time.Duration, 0, 1000)
			for i := 0; i < 985; i++ {
				v = append(v, time.Millisecond)
			}
			for i := 0; i < 15; i++ {
				v = append(v, 5*time.Second)
			}
			return v
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := tt.values()
			var h Hist
			for _, v := range vals {
				h.Record(v)
			}
			slices.Sort(vals)
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
				exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
				got := h.Quantile(q)
				// Half a bucket (0.4%) above 256 µs, 1 µs below.
				tol := max(time.Duration(float64(exact)*0.005), time.Microsecond)
				if d := got - exact; d > tol || -d > tol {
					t.Errorf("Quantile(%v) = %v, want %v ± %v", q, got, exact, tol)
				}
			}
			if h.Count() != uint64(len(vals)) || h.Min() != vals[0] || h.Max() != vals[len(vals)-1] {
				t.Errorf("Count, Min, Max = %d, %v, %v, want %d, %v, %v", h.Count(), h.Min(), h.Max(), len(vals), vals[0], vals[len(vals)-1])
			}
		})
	}
}

func TestHistMergeAndEdges(t *testing.T) {
	var a, b, empty Hist
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 {
		t.Fatalf("empty histogram: Quantile, Mean = %v, %v, want 0, 0", empty.Quantile(0.99), empty.Mean())
	}
	a.Record(-5 * time.Millisecond) // clock rounding: counts as 0
	a.Record(10 * time.Millisecond)
	b.Record(30 * time.Millisecond)
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 3 || a.Min() != 0 || a.Max() != 30*time.Millisecond {
		t.Fatalf("after Merge: Count, Min, Max = %d, %v, %v", a.Count(), a.Min(), a.Max())
	}
	if got := a.Quantile(1); got != 30*time.Millisecond {
		t.Fatalf("Quantile(1) = %v, want the max", got)
	}
	if got := a.Mean(); got != (40*time.Millisecond)/3 {
		t.Fatalf("Mean = %v, want %v", got, (40*time.Millisecond)/3)
	}
	a.Reset()
	if a.Count() != 0 {
		t.Fatalf("after Reset: Count = %d", a.Count())
	}
}

func BenchmarkHistRecord(b *testing.B) {
	var h Hist
	d := 1234567 * time.Nanosecond
	for b.Loop() {
		h.Record(d)
		d += 997
	}
}
