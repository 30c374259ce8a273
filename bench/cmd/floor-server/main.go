// Command floor-server is the benchmark's lower bound: a server that
// speaks docs/bench-contract.md and nothing more, so that what it costs is
// the cost of the kernel and the load generator alone. Actorio's figures
// are compared with it ("Actorio/floor") as well as with Node's.
//
// It does the least a correct server can: a goroutine per connection
// reading with a small buffered reader, the WebSocket upgrade and the
// Engine.IO/Socket.IO handshakes written out by hand, an event routed by
// its name without decoding its JSON, and one write per delivery of a
// frame built once per broadcast. What it sends is byte for byte what the
// Node reference sends for the same load (open packet, CONNECT answer,
// acks, relays, fanouts, ticks, pings); what the contract leaves out
// (polling, namespaces other than /, binary packets, compression, cluster
// mode) it refuses or ignores.
//
//	PORT=3000 TICK_HZ=0 TICK_BYTES=100 floor-server
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// The heartbeat announced in the open packet: Node's defaults, as the
// reference server announces them.
const (
	pingInterval = 25 * time.Second
	pingTimeout  = 20 * time.Second
	maxPayload   = 1_000_000
)

func main() {
	err := run() // serves until SIGTERM, which exits from its handler
	fmt.Fprintln(os.Stderr, "floor-server:", err)
	os.Exit(1)
}

// run serves until an error; it never returns nil.
func run() error {
	if os.Getenv("REDIS_URL") != "" {
		return errors.New("REDIS_URL is set: the floor server has no cluster mode")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	tickHz, err := envFloat("TICK_HZ", 0)
	if err != nil {
		return err
	}
	tickBytes, err := envFloat("TICK_BYTES", 100)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return err
	}
	h := newHub()
	go h.heartbeat(pingInterval)
	if tickHz > 0 {
		go h.tick(tickHz, int(tickBytes))
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		os.Exit(0) // nothing to flush: exit at once, well within the contract's 5 s
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go serve(h, c)
	}
}

func envFloat(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%s=%q: want a number >= 0", name, v)
	}
	return f, nil
}
