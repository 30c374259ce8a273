package runner

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLadderSteps runs the ladder on a scripted step: which rates it tries (a
// failing step is tried once more), and what it records as the breaking
// point.
func TestLadderSteps(t *testing.T) {
	tests := []struct {
		name      string
		fp        FanoutPlan
		fails     map[float64]int // how many attempts at a rate fail
		wantTried []float64
		wantBreak float64 // the breaking point's rate; 0: none recorded; -1: recorded as an error
		wantLower bool
	}{
		{name: "all pass", fp: FanoutPlan{Members: 10, Rates: []float64{1, 3}},
			wantTried: []float64{1, 3}, wantBreak: 3, wantLower: true},
		{name: "second fails twice", fp: FanoutPlan{Members: 10, Rates: []float64{1, 3, 9}}, fails: map[float64]int{3: 2},
			wantTried: []float64{1, 3, 3}, wantBreak: 1},
		{name: "a stall: the retry passes", fp: FanoutPlan{Members: 10, Rates: []float64{1, 3}}, fails: map[float64]int{1: 1},
			wantTried: []float64{1, 1, 3}, wantBreak: 3, wantLower: true},
		{name: "bisect", fp: FanoutPlan{Members: 10, Rates: []float64{10, 40}, Bisect: true}, fails: map[float64]int{40: 2},
			wantTried: []float64{10, 40, 40, 20}, wantBreak: 20},
		{name: "fails at once", fp: FanoutPlan{Members: 10, Rates: []float64{1, 3}}, fails: map[float64]int{1: 2},
			wantTried: []float64{1, 1}, wantBreak: -1},
		{name: "one step: no breaking point", fp: FanoutPlan{Members: 10, Rates: []float64{6}},
			wantTried: []float64{6}},
		{name: "one step failing: no breaking point", fp: FanoutPlan{Members: 10, Rates: []float64{6}}, fails: map[float64]int{6: 2},
			wantTried: []float64{6, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{plan: Plan{Budget: time.Hour}, rep: &Report{}, started: time.Now()}
			var tried []float64
			step := func(rate float64) *Measure {
				tried = append(tried, rate)
				pass := true
				if tt.fails[rate] > 0 {
					tt.fails[rate]--
					pass = false
				}
				return &Measure{Rate: rate, Pass: &pass}
			}
			r.ladder(baseName, "cluster", tt.fp, step, func(time.Duration) bool { return true })
			if !slices.Equal(tried, tt.wantTried) {
				t.Errorf("ladder tried %v, want %v", tried, tt.wantTried)
			}
			var bp *Measure
			for _, c := range r.rep.Cases {
				if c.Breaking {
					bp = c.Results[baseName]
				} else if !strings.HasPrefix(c.Key, "cluster n=10 r=") {
					t.Errorf("case key %q, want cluster n=10 r=<rate>", c.Key)
				}
			}
			switch {
			case tt.wantBreak == 0 && bp != nil:
				t.Errorf("breaking point %+v recorded, want none", bp)
			case tt.wantBreak == 0:
			case bp == nil:
				t.Errorf("no breaking point recorded, want %v", tt.wantBreak)
			case tt.wantBreak < 0:
				if bp.Error == "" {
					t.Errorf("breaking point %+v, want an error", bp)
				}
			case bp.Rate != tt.wantBreak || bp.LowerBound != tt.wantLower:
				t.Errorf("breaking point rate %v (lower bound %v), want %v (%v)", bp.Rate, bp.LowerBound, tt.wantBreak, tt.wantLower)
			}
		})
	}
}
