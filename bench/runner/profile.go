package runner

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Profiles of a server while a scenario runs (Config.ProfileDir): the
// runner gives the server a pprof address through ServerDef.PprofEnv and
// fetches /debug/pprof/profile over the measured window and
// /debug/pprof/heap after it.

// pprofEnv adds the pprof address to env when profiling def; it returns
// the address ("" when def is not profiled).
func (r *Runner) pprofEnv(def ServerDef, env []string) (string, []string, error) {
	if r.cfg.ProfileDir == "" || def.PprofEnv == "" {
		return "", env, nil
	}
	port, err := freePort()
	if err != nil {
		return "", env, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	return addr, append(env[:len(env):len(env)], def.PprofEnv+"="+addr), nil
}

// profileCPU fetches a CPU profile of d from start, in the background;
// the returned function waits for it to be written.
func (s *session) profileCPU(scenario string, start time.Time, d time.Duration) (wait func()) {
	if s.pprof == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(time.Until(start))
		secs := max(1, int(d.Round(time.Second)/time.Second))
		s.fetchProfile(scenario+"-cpu", "profile?seconds="+strconv.Itoa(secs), d+30*time.Second)
	}()
	return func() { <-done }
}

// profileHeap fetches a heap profile now (after a GC: live memory).
func (s *session) profileHeap(scenario string) {
	if s.pprof != "" {
		s.fetchProfile(scenario+"-heap", "heap?gc=1", 30*time.Second)
	}
}

// fetchProfile writes /debug/pprof/<query> to <dir>/<server>-<name>.pb.gz;
// a failure is a note on the server, not the end of the run.
func (s *session) fetchProfile(name, query string, timeout time.Duration) {
	err := func() error {
		client := &http.Client{Timeout: timeout}
		resp, err := client.Get("http://" + s.pprof + "/debug/pprof/" + query)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			return fmt.Errorf("%s: %s", resp.Status, b)
		}
		if err := os.MkdirAll(s.r.cfg.ProfileDir, 0o755); err != nil {
			return err
		}
		path := filepath.Join(s.r.cfg.ProfileDir, s.def.Name+"-"+name+".pb.gz")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, resp.Body); err != nil {
			f.Close()
			return err
		}
		s.r.logf("  profile %s", path)
		return f.Close()
	}()
	if err != nil {
		s.r.rep.note(s.def.Name, "profile %s: %v", name, err)
	}
}
