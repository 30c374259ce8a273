package runner

import (
	"os"
	"testing"
	"time"

	"github.com/actorio/actorio/bench/loadgen"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "plain", in: "4242 (node) S 1 4242 4242 0 -1 4194560 9000 0 0 0 150 25 0 0 20 0 11 0 100 1 2", want: 175},
		{name: "name with spaces and parens", in: "77 (a (b) c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 1 2", want: 10},
		{name: "no name", in: "77 R 1", wantErr: true},
		{name: "short", in: "77 (x) R 1 2 3", wantErr: true},
		{name: "not a number", in: "77 (x) R 1 77 77 0 -1 0 0 0 0 0 u s 0 0", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseStatCPU([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseStatCPU(%q) = %d, %v, want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStatusKB(t *testing.T) {
	status := []byte("Name:\tnode\nVmHWM:\t  120000 kB\nVmRSS:\t   98304 kB\nThreads:\t11\n")
	if got := statusKB(status, "VmRSS:"); got != 98304 {
		t.Errorf("statusKB(VmRSS) = %d, want 98304", got)
	}
	if got := statusKB(status, "VmHWM:"); got != 120000 {
		t.Errorf("statusKB(VmHWM) = %d, want 120000", got)
	}
	if got := statusKB(status, "VmSwap:"); got != 0 {
		t.Errorf("statusKB(VmSwap) = %d, want 0", got)
	}
}

func TestSampleSelf(t *testing.T) {
	s0, err := SamplePid(os.Getpid())
	if err != nil {
		t.Fatalf("SamplePid(self): %v", err)
	}
	// Busy until this process has used 30 ms of CPU (not 30 ms of wall
	// time: on a loaded machine that may be a fraction of it).
	for c0, end := loadgen.SelfCPU(), time.Now().Add(5*time.Second); loadgen.SelfCPU()-c0 < 30*time.Millisecond && time.Now().Before(end); {
	}
	s1, err := SamplePid(os.Getpid())
	if err != nil {
		t.Fatalf("SamplePid(self): %v", err)
	}
	if s1.RSS <= 0 || s1.HWM < s1.RSS {
		t.Errorf("RSS, HWM = %d, %d: want 0 < RSS <= HWM", s1.RSS, s1.HWM)
	}
	if d := s1.CPUSince(s0); d < 20*time.Millisecond || d > time.Second {
		t.Errorf("CPUSince over a busy loop of 30 ms of CPU = %v", d)
	}
}

func TestCPUSince(t *testing.T) {
	tests := []struct {
		name   string
		s0, s1 Sample
		want   time.Duration
	}{
		{name: "threads", s0: Sample{StatCPU: 0, Threads: map[int]int64{1: 100, 2: 50}}, s1: Sample{StatCPU: 0, Threads: map[int]int64{1: 1100, 2: 50, 3: 7}}, want: 1007},
		{name: "no threads: stat", s0: Sample{StatCPU: time.Second}, s1: Sample{StatCPU: 3 * time.Second}, want: 2 * time.Second},
		{name: "a thread exited with its time: stat wins", s0: Sample{StatCPU: 0, Threads: map[int]int64{1: 0, 2: 0}}, s1: Sample{StatCPU: time.Second, Threads: map[int]int64{1: 1000}}, want: time.Second},
	}
	for _, tt := range tests {
		if got := tt.s1.CPUSince(tt.s0); got != tt.want {
			t.Errorf("%s: CPUSince = %v, want %v", tt.name, got, tt.want)
		}
	}
}
