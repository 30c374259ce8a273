package main

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// conn is one client: its reader goroutine (serve) owns everything but
// the write side, which any goroutine delivering to it takes the lock of.
type conn struct {
	nc net.Conn
	h  *hub

	wmu  sync.Mutex
	dead bool // a write failed or the reader ended: nothing more is written

	ponged atomic.Bool // a PONG came since the last PING

	// The reader's own.
	connected bool     // CONNECTed to /
	rooms     []string // joined, left on disconnect
}

// The reader's buffer: enough for any packet the generator sends in one
// piece; a larger frame is read into a buffer of its own.
const readBuffer = 4096

// serve upgrades the connection, opens the Engine.IO session and reads
// packets until the client goes.
func serve(h *hub, nc net.Conn) {
	defer nc.Close()
	r := bufio.NewReaderSize(nc, readBuffer)
	resp, err := upgrade(r)
	if err != nil {
		if resp != nil {
			_, _ = nc.Write(resp)
		}
		return
	}
	// The 101 and the OPEN packet in one write: the same bytes a real
	// server sends, in the fewest syscalls.
	open := textFrame([]byte(`0{"sid":"`), newSID(), []byte(`","upgrades":[],"pingInterval":`+strconv.Itoa(int(pingInterval.Milliseconds()))+
		`,"pingTimeout":`+strconv.Itoa(int(pingTimeout.Milliseconds()))+`,"maxPayload":`+strconv.Itoa(maxPayload)+`}`))
	if _, err := nc.Write(append(resp, open...)); err != nil {
		return
	}
	c := &conn{nc: nc, h: h}
	c.ponged.Store(true)
	h.add(c)
	defer c.close()
	fr := frameReader{r: r}
	for {
		op, p, err := fr.next()
		if err != nil {
			return
		}
		switch op {
		case opText:
			if !c.engine(p) {
				return
			}
		case opPing:
			c.write(append(appendHeader(nil, opPong, len(p)), p...))
		case opClose:
			c.write([]byte{0x88, 0})
			return
		}
		// Binary frames and pongs: not in the contract, ignored.
	}
}

// close leaves every room and forgets the connection.
func (c *conn) close() {
	c.wmu.Lock()
	c.dead = true
	c.wmu.Unlock()
	c.disconnect()
	c.h.remove(c)
}

// disconnect leaves / (and so every room).
func (c *conn) disconnect() {
	if !c.connected {
		return
	}
	c.connected = false
	for _, room := range c.rooms {
		c.h.leave(room, c)
	}
	c.rooms = nil
	c.h.sockets.Add(-1)
}

// write sends one frame; a failed write ends the connection.
func (c *conn) write(frame []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead {
		return
	}
	if _, err := c.nc.Write(frame); err != nil {
		c.dead = true
		_ = c.nc.Close() // the reader sees it and cleans up
	}
}

// engine handles one Engine.IO packet; false ends the connection.
func (c *conn) engine(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	switch p[0] {
	case '4': // MESSAGE
		c.socket(p[1:])
	case '3': // PONG
		c.ponged.Store(true)
	case '1': // CLOSE
		return false
	case '2', '6': // a client PING (Engine.IO 3), NOOP
	default:
		return false // Node closes on a packet it cannot parse
	}
	return true
}

// socket handles one Socket.IO packet of namespace /.
func (c *conn) socket(p []byte) {
	if len(p) == 0 {
		return
	}
	switch p[0] {
	case '0': // CONNECT
		if len(p) > 1 && p[1] == '/' {
			nsp, _, _ := bytes.Cut(p[1:], []byte(","))
			c.write(textFrame([]byte("44"), nsp, []byte(`,{"message":"Invalid namespace"}`)))
			return
		}
		if c.connected {
			return
		}
		c.connected = true
		c.h.sockets.Add(1)
		c.write(textFrame([]byte(`40{"sid":"`), newSID(), []byte(`"}`)))
	case '1': // DISCONNECT
		c.disconnect()
	case '2': // EVENT
		if c.connected {
			c.event(p[1:])
		}
	}
}

// event routes `[<ack id>]["name",args...]` by its name. Arguments are
// cut out as raw JSON, never decoded.
func (c *conn) event(p []byte) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	ack := p[:i]
	p = p[i:]
	if len(p) < 4 || p[0] != '[' || p[1] != '"' || p[len(p)-1] != ']' {
		return
	}
	end := bytes.IndexByte(p[2:], '"')
	if end < 0 {
		return
	}
	name := p[2 : 2+end]
	args := p[3+end : len(p)-1] // "" or ",arg,..."
	if len(args) > 0 {
		if args[0] != ',' {
			return
		}
		args = args[1:]
	}
	switch string(name) {
	case "echo":
		if len(ack) > 0 {
			c.write(textFrame([]byte("43"), ack, []byte("["), args, []byte("]")))
		}
	case "relay", "fanout":
		room, payload, ok := stringArg(args)
		if !ok {
			return
		}
		if len(payload) == 0 {
			payload = []byte("null") // emit(name, undefined), as Node writes it
		}
		frame := textFrame([]byte(`42["`), name, []byte(`",`), payload, []byte("]"))
		if string(name) == "relay" {
			c.h.broadcast(string(room), frame, c)
		} else {
			c.h.broadcast(string(room), frame, nil)
		}
	case "join":
		room, _, ok := stringArg(args)
		if !ok {
			return
		}
		n, added := c.h.join(string(room), c)
		if added {
			c.rooms = append(c.rooms, string(room))
		}
		if len(ack) > 0 {
			c.write(textFrame([]byte("43"), ack, []byte("["), strconv.AppendInt(nil, int64(n), 10), []byte("]")))
		}
	case "leave":
		if room, _, ok := stringArg(args); ok {
			for i, r := range c.rooms {
				if r == string(room) {
					c.rooms = append(c.rooms[:i], c.rooms[i+1:]...)
					c.h.leave(r, c)
					break
				}
			}
		}
		if len(ack) > 0 {
			c.write(textFrame([]byte("43"), ack, []byte("[true]")))
		}
	case "stats":
		if len(ack) > 0 {
			c.write(textFrame([]byte("43"), ack, []byte(`[{"sockets":`), strconv.AppendInt(nil, c.h.sockets.Load(), 10),
				[]byte(`,"rss":`), strconv.AppendInt(nil, rss(), 10), []byte("}]")))
		}
	}
}

// stringArg cuts a leading JSON string off args: its raw contents (escapes
// kept, which is all a room name needs to be a key) and the rest after a
// comma (the payload of relay and fanout, forwarded as it came).
func stringArg(args []byte) (s, rest []byte, ok bool) {
	if len(args) < 2 || args[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case '\\':
			i++
		case '"':
			rest = args[i+1:]
			if len(rest) > 0 {
				if rest[0] != ',' {
					return nil, nil, false
				}
				rest = rest[1:]
			}
			return args[1:i], rest, true
		}
	}
	return nil, nil, false
}

// newSID is a 20-character id like Node's base64id.
func newSID() []byte {
	var b [15]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := i; j < min(i+8, len(b)); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	out := make([]byte, 20)
	sidEncoding.Encode(out, b[:])
	return out
}
