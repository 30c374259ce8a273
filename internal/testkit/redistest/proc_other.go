//go:build !linux

package redistest

import "os/exec"

// dieWithParent has no portable equivalent of Linux's Pdeathsig; the
// cleanups registered by Start stop the server.
func dieWithParent(*exec.Cmd) {}
