package main

import (
	"crypto/tls"
	"fmt"
	"net"
)

// listenTLS wraps ln in TLS with the PEM certificate and key files. HTTP/1.1
// only: a WebSocket upgrade takes over its connection (Hijack), which
// HTTP/2 does not allow, and the Socket.IO clients speak HTTP/1.1.
func listenTLS(ln net.Listener, certFile, keyFile string) (net.Listener, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert %q, -tls-key %q: %w", certFile, keyFile, err)
	}
	return tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}), nil
}
