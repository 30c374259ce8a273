//go:build !linux

package transport

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns nil: outside Linux every connection is written with
// blocking Writes on a goroutine of its own.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

// iovecs is unused outside Linux.
type iovecs struct{}

func (*iovecs) write(uintptr, [][]byte) (int, error) { return 0, errors.ErrUnsupported }
