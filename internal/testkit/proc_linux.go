package testkit

import (
	"os/exec"
	"syscall"
)

// DieWithParent makes cmd's process die with the test binary when that dies
// before its cleanups run (a panic, a -timeout, a SIGKILL): no server a test
// started outlives it. Call it before cmd.Start.
func DieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
