package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills redis-server when the test binary dies before its
// cleanups run (a panic, a -timeout, a SIGKILL): no server outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
