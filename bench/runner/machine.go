package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Machine describes where the figures were taken.
type Machine struct {
	NProc     int    `json:"nproc"`
	Model     string `json:"cpu_model"`
	MemTotal  string `json:"mem_total"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
	Node      string `json:"node"`
	SocketIO  string `json:"socket_io"`
	GitCommit string `json:"git_commit"`
	GitDirty  bool   `json:"git_dirty"`
	Pinned    bool   `json:"pinned"`
	PinNote   string `json:"pin_note"`
	NoFile    uint64 `json:"nofile_limit"`
	Redis     string `json:"redis,omitempty"` // redis-server --version, when the cluster scenario ran
}

func readMachine(root, nodeDir string) Machine {
	m := Machine{Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "processor":
				m.NProc++
			case "model name":
				m.Model = strings.TrimSpace(v)
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				m.MemTotal = strings.TrimSpace(v)
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.Go = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile(filepath.Join(nodeDir, "node_modules", "socket.io", "package.json")); err == nil {
		var pj struct{ Version string }
		if json.Unmarshal(b, &pj) == nil {
			m.SocketIO = pj.Version
		}
	}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output(); err == nil {
		m.GitCommit = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "-C", root, "status", "--porcelain").Output(); err == nil {
		m.GitDirty = len(strings.TrimSpace(string(out))) > 0
	}
	return m
}

// raiseNoFile lifts the soft RLIMIT_NOFILE to the hard limit and fails
// when that is still below need.
func raiseNoFile(need uint64) (uint64, error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
			return 0, fmt.Errorf("raise RLIMIT_NOFILE to %d: %w", r.Max, err)
		}
	}
	if r.Cur < need {
		return r.Cur, fmt.Errorf("open-file limit is %d (hard limit %d), the plan needs %d: raise it (ulimit -Hn / limits.conf) or run a smaller plan", r.Cur, r.Max, need)
	}
	return r.Cur, nil
}

// pinSelf moves every thread of this process to cpu with taskset and sets
// GOMAXPROCS to 1. New threads inherit the mask of the thread that creates
// them, so the whole process stays there.
func pinSelf(cpu int) error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", strconv.Itoa(cpu), strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, strings.TrimSpace(string(out)))
	}
	runtime.GOMAXPROCS(1)
	return nil
}

// allowedCPUs is the number of CPUs this process may run on.
func allowedCPUs() int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return runtime.NumCPU()
	}
	return set.Count()
}
