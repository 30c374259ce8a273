package transport

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawConnOf returns the connection's file descriptor access, or nil if the
// pool must write it with blocking Writes instead.
func rawConnOf(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// iovecs is a reusable writev argument.
type iovecs []unix.Iovec

// write makes one write (one segment) or writev (several) on the
// non-blocking fd, retrying only EINTR. Every segment must be non-empty. It
// returns the bytes written (never negative) and, if the socket is full,
// syscall.EAGAIN.
func (v *iovecs) write(fd uintptr, segs [][]byte) (int, error) {
	if len(segs) == 1 {
		for {
			n, err := unix.Write(int(fd), segs[0])
			if err != unix.EINTR {
				return max(n, 0), err
			}
		}
	}
	iov := (*v)[:0]
	for _, s := range segs {
		e := unix.Iovec{Base: &s[0]}
		e.SetLen(len(s))
		iov = append(iov, e)
	}
	*v = iov
	// unix.Writev would allocate its iovec array on every call past 8.
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		if errno == unix.EINTR {
			continue
		}
		clear(iov) // do not keep frames alive
		if errno != 0 {
			return 0, errno
		}
		return int(n), nil
	}
}
