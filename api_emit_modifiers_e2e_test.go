package actorio_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// Issue 12 item 7: a socket's own emit modifiers (Volatile, Compress,
// Timeout) and its broadcast shortcuts (In, Except, Local), against the
// official client.

func TestAPIEmitModifiersE2E(t *testing.T) {
	requireSIONode(t)
	for _, tr := range []string{"polling", "websocket"} {
		c := sioCase{transport: tr, parser: "json"}
		t.Run("volatile/json/"+tr, func(t *testing.T) { testAPISocketVolatile(t, c) })
	}
	for _, recovery := range []bool{false, true} {
		name := "compress/json/websocket"
		if recovery {
			name += "/recovery"
		}
		t.Run(name, func(t *testing.T) {
			testAPISocketCompress(t, sioCase{transport: "websocket", parser: "json"}, recovery)
		})
	}
	for _, tr := range []string{"polling", "websocket"} {
		c := sioCase{transport: tr, parser: "json"}
		t.Run("socket broadcasts/json/"+tr, func(t *testing.T) { testAPISocketBroadcasts(t, c) })
	}
}

// A volatile emit right after a regular one is dropped, since the
// transport is not writable (Node's test "should not emit volatile event
// after regular event"): over polling, the client is handling the regular
// packet ("block" keeps it busy, so it has no GET waiting); over WebSocket,
// the server is still writing it ("big" is larger than the loopback
// buffers, and the client is not reading). One sent to a writable
// transport arrives.
func testAPISocketVolatile(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	opts := c.options()
	opts.QueueLimits = actorio.QueueLimits{SoftBytes: 64 << 20, HardBytes: 128 << 20} // "big" stays under soft
	srv := startSIOServer(t, opts)
	srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("hello", func(i int) {
			_ = s.Volatile().Emit("v0", i)
			_ = s.Emit("mark", i)
		})
		_ = s.On("go", func() {
			_ = s.Emit("block", 400)
			if c.transport == "websocket" {
				_ = s.Emit("big", strings.Repeat("b", 16<<20))
			}
			if err := s.Volatile().Emit("v", 1); err != nil {
				t.Errorf("Volatile().Emit = %v", err)
			}
			_ = s.Compress(false).Volatile().Emit("v", 2)
			_ = s.Emit("end")
		})
	})
	p := startPuppet(t, ctx, srv.url, c)
	p.connect("a", "/")

	// Writable: a volatile packet to an idle client arrives (tried again
	// if a poll happened to be in flight).
	arrived := false
	for i := 0; i < 20 && !arrived; i++ {
		p.emit("a", "hello", i)
		arrived = slices.Contains(p.gotBefore("a", "mark"), "v0")
		p.seen = nil
	}
	if !arrived {
		t.Errorf("a volatile emit to an idle %s client never arrived in 20 tries", c.transport)
	}

	p.emit("a", "go")
	got := p.gotBefore("a", "end")
	want := []string{"block"}
	if c.transport == "websocket" {
		want = append(want, "big")
	}
	if !slices.Equal(got, want) {
		t.Errorf("client got %q before end, want %q: a volatile emit after a regular one must be dropped while the %s transport is not writable", got, want, c.transport)
	}
	p.exit()
}

// Compress(false) reaches the WebSocket frame: a proxy between the client
// and the server reads the RSV1 bit of each frame the server sends.
func testAPISocketCompress(t *testing.T, c sioCase, recovery bool) {
	ctx := e2eContext(t, e2eTimeout)
	opts := c.options()
	opts.PerMessageDeflate = &actorio.DeflateOptions{Threshold: 64}
	if recovery {
		opts.ConnectionStateRecovery = &actorio.RecoveryOptions{}
	}
	srv := startSIOServer(t, opts)
	big := strings.Repeat("a", 2000)
	acked := make(chan error, 1)
	srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("go", func() {
			for _, err := range []error{
				s.Emit("deflated", big),
				s.Compress(false).Emit("plain", big),
				s.Compress(false).EmitWithAckFunc("plainack", []any{big}, func(_ actorio.Args, err error) { acked <- err }),
				srv.Compress(false).Emit("plainio", big),
				s.Compress(false).Compress(true).Emit("deflated2", big),
				s.Emit("end"),
			} {
				if err != nil {
					t.Errorf("emit: %v", err)
				}
			}
		})
	})
	sniff := startFrameSniffer(t, srv.url)
	p := startPuppet(t, ctx, sniff.url, c)
	p.connect("a", "/")
	p.emit("a", "go")
	p.got("a", "end")
	if err := sioRecv(t, ctx, acked, "plainack's answer"); err != nil {
		t.Errorf("plainack's callback: %v", err)
	}
	for _, tt := range []struct {
		event          string
		wantCompressed bool
	}{
		{"deflated", true},
		{"plain", false},
		{"plainack", false},
		{"plainio", false},
		{"deflated2", true},
	} {
		compressed, ok := sniff.compressed(`["` + tt.event + `"`)
		if !ok {
			t.Errorf("no frame carried %q; frames: %q", tt.event, sniff.summary())
			continue
		}
		if compressed != tt.wantCompressed {
			t.Errorf("frame of %q compressed (RSV1) = %v, want %v", tt.event, compressed, tt.wantCompressed)
		}
	}
	p.exit()
}

// Socket.In, Except and Local broadcast without the sender, as Node's
// socket.in/except/local.
func testAPISocketBroadcasts(t *testing.T, c sioCase) {
	ctx := e2eContext(t, e2eTimeout)
	srv := startSIOServer(t, c.options())
	joined := make(chan struct{}, 3)
	srv.connections("/", func(s *actorio.Socket) {
		_ = s.On("join", func(rooms []string) {
			s.Join(rooms...)
			joined <- struct{}{}
		})
		_ = s.On("send", func() {
			for _, err := range []error{
				s.In("r").Emit("in-r"),
				s.Except("x").Emit("except-x"),
				s.Local().Emit("local"),
				s.Timeout(e2eTimeout).To("x").Emit("to-x"),
				s.Volatile().Broadcast().Compress(false).Emit("volatile-broadcast"),
			} {
				if err != nil {
					t.Errorf("emit: %v", err)
				}
			}
			_ = srv.Emit("end")
		})
	})
	p := startPuppet(t, ctx, srv.url, c)
	rooms := map[string][]string{"a": {"r"}, "b": {"r"}, "c": {"r", "x"}}
	for _, name := range []string{"a", "b", "c"} {
		p.connect(name, "/")
		p.emit(name, "join", rooms[name])
		sioRecv(t, ctx, joined, name+"'s join")
	}
	p.emit("a", "send")
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"a", nil},
		{"b", []string{"in-r", "except-x", "local", "volatile-broadcast"}},
		{"c", []string{"in-r", "local", "to-x", "volatile-broadcast"}},
	} {
		got := p.gotBefore(tt.name, "end")
		// The volatile broadcast may be dropped for a client busy with the
		// packets before it: only its order is checked.
		if !slices.Contains(got, "volatile-broadcast") {
			tt.want = slices.DeleteFunc(tt.want, func(e string) bool { return e == "volatile-broadcast" })
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("socket %s got %q, want %q", tt.name, got, tt.want)
		}
	}
	p.exit()
}

// frameSniffer is a TCP proxy in front of a server that records the
// WebSocket frames the server sends: RSV1 (compressed) and the payload,
// inflated.
type frameSniffer struct {
	url    string
	mu     sync.Mutex
	frames []sniffedFrame
}

type sniffedFrame struct {
	compressed bool
	text       string
}

func startFrameSniffer(t *testing.T, target string) *frameSniffer {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &frameSniffer{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	var conns []net.Conn
	var connsMu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", u.Host)
			if err != nil {
				down.Close()
				continue
			}
			connsMu.Lock()
			conns = append(conns, down, up)
			connsMu.Unlock()
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(up, down)
				up.Close()
			}()
			go func() {
				defer wg.Done()
				s.relay(up, down)
				down.Close()
			}()
		}
	}()
	return s
}

// relay copies the server's bytes to the client, recording the frames
// after a 101 response.
func (s *frameSniffer) relay(up, down net.Conn) {
	br := bufio.NewReader(up)
	var head []byte
	for {
		line, err := br.ReadBytes('\n')
		if _, werr := down.Write(line); err != nil || werr != nil {
			return
		}
		head = append(head, line...)
		if string(line) == "\r\n" {
			break
		}
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		_, _ = io.Copy(down, br) // polling: not recorded
		return
	}
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		if ws.WriteHeader(down, h) != nil {
			return
		}
		if _, err := down.Write(payload); err != nil {
			return
		}
		f := sniffedFrame{compressed: h.Rsv1(), text: string(payload)}
		if f.compressed {
			if inflated, err := wsflate.DecompressFrame(ws.Frame{Header: h, Payload: payload}); err == nil {
				f.text = string(inflated.Payload)
			} else {
				f.text = "<inflate error: " + err.Error() + ">"
			}
		}
		s.mu.Lock()
		s.frames = append(s.frames, f)
		s.mu.Unlock()
	}
}

// compressed reports whether the first frame containing marker was
// compressed, and whether there was one.
func (s *frameSniffer) compressed(marker string) (compressed, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.frames {
		if strings.Contains(f.text, marker) {
			return f.compressed, true
		}
	}
	return false, false
}

func (s *frameSniffer) summary() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.frames {
		text := f.text
		if len(text) > 40 {
			text = text[:40] + "..."
		}
		if f.compressed {
			text = "(deflated) " + text
		}
		out = append(out, text)
	}
	return out
}
