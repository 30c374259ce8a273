//go:build !linux

package transport

import (
	"errors"
	"syscall"
)

// ReadPoller is Linux's (epoll): elsewhere every WebSocket connection is
// read by a goroutine of its own.
type ReadPoller struct{}

// NewReadPoller returns nil outside Linux.
func NewReadPoller() *ReadPoller { return nil }

// Close does nothing.
func (*ReadPoller) Close() {}

func (*ReadPoller) ready() bool { return false }

func (*ReadPoller) add(*WSConn, syscall.RawConn) error { return errors.ErrUnsupported }

// pollReg is never made outside Linux.
type pollReg struct{}

func (*pollReg) remove() {}

// Never called: ready reports false.
func (*WSConn) startPolling()       {}
func (*WSConn) rejoinPoller() error { return errors.ErrUnsupported }
func (*WSConn) catchUp()            {}
