package transport

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// dialSmallRcvBuf dials with SO_RCVBUF set before connecting, so the window
// the peer advertises stays small and a client that never reads stalls the
// sender quickly.
func dialSmallRcvBuf(addr string, size int) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, size)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return d.Dial("tcp", addr)
}
