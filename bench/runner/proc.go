package runner

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ServerDef says how to start one benchmarked server.
type ServerDef struct {
	Name string   // "node", "actorio"
	Argv []string // the command; PORT and the tick options come through the environment
	Dir  string   // working directory
	// PprofEnv names the environment variable that makes the server serve
	// net/http/pprof at an address (Actorio's ACTORIO_PPROF); empty: the
	// server cannot be profiled (Config.ProfileDir).
	PprofEnv string
}

// Proc is a running server. Its PID is the process that listens on Port
// (taskset execs the server, so pinning does not add a process).
type Proc struct {
	Def  ServerDef
	Port int
	Pid  int

	cmd    *exec.Cmd
	out    *tailBuffer
	exited chan struct{}
	err    error // exit status, once exited is closed
}

// live holds every server started and not yet reaped, so that a signal, a
// panic or a timeout can always kill them (KillAll).
var live = struct {
	sync.Mutex
	procs map[*Proc]struct{}
}{procs: map[*Proc]struct{}{}}

// KillAll sends SIGKILL to every server still running and its process group.
func KillAll() {
	live.Lock()
	defer live.Unlock()
	for p := range live.procs {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
		_ = syscall.Kill(p.Pid, syscall.SIGKILL)
	}
}

// StartServer starts def on port with the extra environment env, pinned to
// cpu when cpu >= 0 (through taskset), and waits until the port accepts TCP
// connections.
func StartServer(def ServerDef, port int, env []string, cpu int) (*Proc, error) {
	argv := def.Argv
	if cpu >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = def.Dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	cmd.Env = append(cmd.Env, env...)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group (so a forked child dies with it) and SIGKILL if the
	// runner dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", def.Name, err)
	}
	p := &Proc{Def: def, Port: port, Pid: cmd.Process.Pid, cmd: cmd, out: out, exited: make(chan struct{})}
	live.Lock()
	live.procs[p] = struct{}{}
	live.Unlock()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.exited:
			p.reap()
			return nil, fmt.Errorf("%s exited before listening (%v): %s", def.Name, p.err, p.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s did not listen on port %d within 20s: %s", def.Name, port, p.Output())
		}
	}
}

// Output is the tail of what the server printed.
func (p *Proc) Output() string { return strings.TrimSpace(p.out.String()) }

// Exited reports whether the server has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM and waits up to 5 s (the contract's limit), then kills
// the process group. It returns an error when the server needed the kill.
func (p *Proc) Stop() error {
	defer p.reap()
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("did not exit within 5 s of SIGTERM (killed)")
	}
}

func (p *Proc) reap() {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL) // any child left in its group
	live.Lock()
	delete(live.procs, p)
	live.Unlock()
}

// Sample is a reading of a process's CPU time and memory.
type Sample struct {
	At      time.Time
	StatCPU time.Duration // user + system, every thread, /proc/<pid>/stat (10 ms ticks)
	RSS     int64         // bytes, VmRSS from /proc/<pid>/status
	HWM     int64         // bytes, VmHWM (peak RSS)
	// Threads is each live thread's run time in ns from
	// /proc/<pid>/task/<tid>/schedstat: the same clock as StatCPU, without
	// the tick rounding, but blind to threads that exited.
	Threads map[int]int64
}

// CPUSince is the CPU time the process used between s0 and s: the
// per-thread nanosecond clocks (threads born in between count whole,
// threads that died in between are lost), unless the tick-rounded
// /proc/<pid>/stat total says more time was used than that (a thread
// that exited took the difference with it).
func (s Sample) CPUSince(s0 Sample) time.Duration {
	stat := s.StatCPU - s0.StatCPU
	if s.Threads == nil || s0.Threads == nil {
		return stat
	}
	var ns int64
	for tid, t1 := range s.Threads {
		ns += t1 - s0.Threads[tid]
	}
	fine := time.Duration(ns)
	tick := time.Second / time.Duration(clockTicks)
	if stat > fine+2*tick {
		return stat
	}
	return fine
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times.
var clockTicks = func() int64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}()

// Sample reads /proc/<pid>/stat and /proc/<pid>/status.
func (p *Proc) Sample() (Sample, error) { return SamplePid(p.Pid) }

// SamplePid reads the CPU time and RSS of any process.
func SamplePid(pid int) (Sample, error) {
	s := Sample{At: time.Now()}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return s, err
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return s, err
	}
	s.StatCPU = time.Duration(cpu * int64(time.Second) / clockTicks)
	s.Threads = threadTimes(pid)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return s, err
	}
	s.RSS = statusKB(status, "VmRSS:") * 1024
	s.HWM = statusKB(status, "VmHWM:") * 1024
	return s, nil
}

// threadTimes reads the run time (ns) of every thread of pid; nil if
// schedstat is not available.
func threadTimes(pid int) map[int]int64 {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := make(map[int]int64, len(ents))
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue // the thread just exited
		}
		f := strings.Fields(string(b))
		if len(f) < 1 {
			return nil
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil
		}
		out[tid] = v
	}
	return out
}

// parseStatCPU returns utime + stime (fields 14 and 15, in clock ticks) of
// a /proc/<pid>/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("proc stat: bad utime/stime")
	}
	return ut + st, nil
}

// statusKB reads a "Key:   1234 kB" line of /proc/<pid>/status.
func statusKB(status []byte, key string) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
	n   int // total bytes written
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n += len(b)
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Written is how many bytes the server printed in total (the contract asks
// for at most a start-up line).
func (t *tailBuffer) Written() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
