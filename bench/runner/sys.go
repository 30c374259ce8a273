package runner

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// CPUTimes is a reading of /proc/stat: what the machine's CPUs did in
// total, so that work no process is charged for (softirq: most of the
// loopback network path) and work of other processes (a shared, noisy
// machine) are visible next to the server's and the generator's.
type CPUTimes struct {
	Busy    time.Duration // every state but idle and iowait, all CPUs
	SoftIRQ time.Duration // irq + softirq, all CPUs
	PerCPU  []time.Duration
}

// ReadCPUTimes reads the per-CPU lines of /proc/stat.
func ReadCPUTimes() CPUTimes {
	var t CPUTimes
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t
	}
	tick := time.Second / time.Duration(clockTicks)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		// user nice system idle iowait irq softirq steal [guest guest_nice]
		var v [8]int64
		for i := range v {
			v[i], _ = strconv.ParseInt(f[i+1], 10, 64)
		}
		busy := time.Duration(v[0]+v[1]+v[2]+v[5]+v[6]+v[7]) * tick
		t.Busy += busy
		t.SoftIRQ += time.Duration(v[5]+v[6]) * tick
		t.PerCPU = append(t.PerCPU, busy)
	}
	return t
}

// Sub is the difference t − o.
func (t CPUTimes) Sub(o CPUTimes) CPUTimes {
	d := CPUTimes{Busy: t.Busy - o.Busy, SoftIRQ: t.SoftIRQ - o.SoftIRQ}
	for i := range t.PerCPU {
		if i < len(o.PerCPU) {
			d.PerCPU = append(d.PerCPU, t.PerCPU[i]-o.PerCPU[i])
		}
	}
	return d
}
