//go:build !linux

package testkit

import "os/exec"

// DieWithParent does nothing here: only Linux has Pdeathsig. The tests'
// cleanups stop what they started.
func DieWithParent(*exec.Cmd) {}
