package main

import (
	"encoding/base64"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var sidEncoding = base64.RawURLEncoding

// hub holds the connections and the rooms. A broadcast takes a snapshot
// of the room's members under the lock and writes outside it, so a slow
// write never holds up a join.
type hub struct {
	mu    sync.Mutex
	conns map[*conn]struct{}
	rooms map[string]*room

	sockets atomic.Int64 // CONNECTed to /
}

// room is a set of members in a slice (walked by broadcasts) with each
// member's index (for removal). A snapshot handed to a broadcast shares
// the slice: a removal after one copies it first (shared).
type room struct {
	members []*conn
	index   map[*conn]int
	shared  bool
}

func newHub() *hub {
	return &hub{conns: map[*conn]struct{}{}, rooms: map[string]*room{}}
}

func (h *hub) add(c *conn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// join adds c to name and returns the member count after it; added is
// false when c was a member already.
func (h *hub) join(name string, c *conn) (n int, added bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[name]
	if r == nil {
		r = &room{index: map[*conn]int{}}
		h.rooms[name] = r
	}
	if _, ok := r.index[c]; ok {
		return len(r.members), false
	}
	// An append writes past every snapshot's length: no copy needed.
	r.index[c] = len(r.members)
	r.members = append(r.members, c)
	return len(r.members), true
}

// leave removes c from name; the room goes with its last member.
func (h *hub) leave(name string, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[name]
	if r == nil {
		return
	}
	i, ok := r.index[c]
	if !ok {
		return
	}
	if r.shared {
		r.members = append([]*conn(nil), r.members...)
		r.shared = false
	}
	last := len(r.members) - 1
	r.members[i] = r.members[last]
	r.index[r.members[i]] = i
	r.members[last] = nil
	r.members = r.members[:last]
	delete(r.index, c)
	if len(r.members) == 0 {
		delete(h.rooms, name)
	}
}

// snapshot is the members of name now.
func (h *hub) snapshot(name string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[name]
	if r == nil {
		return nil
	}
	r.shared = true
	return r.members[:len(r.members):len(r.members)]
}

// broadcast writes frame to every member of name but except: one write
// per delivery, the frame shared.
func (h *hub) broadcast(name string, frame []byte, except *conn) {
	for _, m := range h.snapshot(name) {
		if m != except {
			m.write(frame)
		}
	}
}

// heartbeat sends PING to every connection each interval and closes
// those that did not answer the previous one. (Node times out a PING
// after pingTimeout; checking at the next round instead costs one timer
// for all connections and changes nothing a live client sees.)
func (h *hub) heartbeat(interval time.Duration) {
	ping := textFrame([]byte("2"))
	for range time.Tick(interval) {
		h.mu.Lock()
		all := make([]*conn, 0, len(h.conns))
		for c := range h.conns {
			all = append(all, c)
		}
		h.mu.Unlock()
		for _, c := range all {
			if !c.ponged.Swap(false) {
				_ = c.nc.Close() // "ping timeout"
				continue
			}
			c.write(ping)
		}
	}
}

// tick runs the contract's game loop: on absolute time start + k/hz, the
// stamp read once per tick before its first emit, late ticks skipped (a
// gap in <seq>), `tick` to every room created by join that has members.
// The payload is the same for every room of a tick: one frame for all.
func (h *hub) tick(hz float64, size int) {
	period := time.Duration(float64(time.Second) / hz)
	start := time.Now()
	last := int64(0)
	for {
		time.Sleep(time.Until(start.Add(time.Duration(last+1) * period)))
		due := int64(time.Since(start) / period)
		if due <= last {
			continue
		}
		last = due
		ms := float64(time.Now().UnixNano()) / 1e6
		p := strconv.AppendFloat(nil, ms, 'f', 3, 64)
		p = append(p, '|')
		p = strconv.AppendInt(p, due, 10)
		p = append(p, '|')
		for len(p) < size {
			p = append(p, 'x')
		}
		frame := textFrame([]byte(`42["tick","`), p, []byte(`"]`))
		h.mu.Lock()
		names := make([]string, 0, len(h.rooms))
		for name := range h.rooms {
			names = append(names, name)
		}
		h.mu.Unlock()
		for _, name := range names {
			h.broadcast(name, frame, nil)
		}
	}
}

// rss is the process's resident set in bytes (stats' "rss").
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var pages int64
	// statm: size resident shared ...; resident is the second field.
	f := 0
	for _, ch := range b {
		switch {
		case ch == ' ':
			f++
			if f == 2 {
				return pages * int64(os.Getpagesize())
			}
		case f == 1 && ch >= '0' && ch <= '9':
			pages = pages*10 + int64(ch-'0')
		}
	}
	return pages * int64(os.Getpagesize())
}
