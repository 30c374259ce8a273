//go:build !linux

package transport

import "net"

// dialSmallRcvBuf dials, then shrinks the receive buffer (best effort).
func dialSmallRcvBuf(addr string, size int) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return c, c.(*net.TCPConn).SetReadBuffer(size)
}
