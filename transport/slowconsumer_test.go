package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/actorio/actorio/protocol/eio"
	"github.com/gobwas/ws"

	"github.com/actorio/actorio/internal/testkit"
)

// TestCloseNowIsBounded: a peer that never reads cannot hold a connection
// closed with CloseNow past the pool's CloseTimeout, even with a write
// timeout far beyond the test's.
func TestCloseNowIsBounded(t *testing.T) {
	for _, kind := range stuckKinds() {
		t.Run(kind, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, &PoolOptions{WriteTimeout: time.Hour, CloseTimeout: 100 * time.Millisecond})
			c, stuck := stuckConn(t, kind, pool)
			rec := &hookRecorder{}
			oc := attach(t, pool, c, roomy, rec)
			frame := bytes.Repeat([]byte("y"), 64<<10)
			for range 32 {
				oc.Push(frame, false)
			}
			stuck()
			oc.CloseNow([]byte{0x88, 0x02, 0x03, 0xf0})
			testkit.Eventually(t, "OnDone after CloseNow", func() bool { return rec.done.Load() == 1 })
			if err := rec.firstErr(); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("OnWriteError(%v), want none or a deadline", err)
			}
		})
	}
}

// slowConsumerPacket is what a flooded connection is sent: a message of
// size bytes, an 8-byte sequence number then padding.
func slowConsumerPacket(seq int, size int) eio.Packet {
	data := make([]byte, size)
	binary.BigEndian.PutUint64(data, uint64(seq))
	for i := 8; i < size; i++ {
		data[i] = 'a' + byte(i%26)
	}
	return eio.Packet{Type: eio.Message, Data: data}
}

// readStream reads every frame the server sent until EOF: the peer of a
// client that stopped reading, reading again.
func readStream(t *testing.T, c net.Conn) []ws.Frame {
	t.Helper()
	var frames []ws.Frame
	for {
		f, err := readServerFrame(c)
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatalf("read after %d frames: %v", len(frames), err)
		}
		frames = append(frames, f)
	}
}

// TestWebSocketSlowConsumerCloseFrame floods a client that does not read
// until the server gives up on it, then lets the client read: the stream
// stays whole frames, a prefix of what was sent, and ends with a close
// frame 1008 "slow consumer" that did not wait behind the backlog.
func TestWebSocketSlowConsumerCloseFrame(t *testing.T) {
	tests := []struct {
		name   string
		limits QueueLimits
		flood  func(w *WSConn) (pushed int) // pushes until the server gives up
	}{
		{
			name:   "hard limit overflow",
			limits: QueueLimits{SoftBytes: 64 << 10, HardBytes: 256 << 10},
			flood: func(w *WSConn) int {
				for seq := 0; ; seq++ {
					if w.SendPacket(slowConsumerPacket(seq, 4000)) == PushOverflow {
						return seq
					}
				}
			},
		},
		{
			name:   "closed by its session",
			limits: roomy,
			flood: func(w *WSConn) int {
				const n = 1000 // 4 MB, more than the kernel buffers take
				for seq := range n {
					w.SendPacket(slowConsumerPacket(seq, 4000))
				}
				w.CloseSlowConsumer()
				w.Close(ws.StatusNormalClosure) // too late: the first close wins
				return n
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			pool := newPool(t, nil)
			p := newTCPPairs(t, 1, func(addr string) (net.Conn, error) { return dialSmallRcvBuf(addr, 4096) })[0]
			shrinkSendBuffer(t, p.server)
			w, err := NewWSConn(p.server, pool, tt.limits, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			w.Attach(newFakeSession())
			pushed := tt.flood(w)

			frames := readStream(t, p.client)
			if len(frames) == 0 {
				t.Fatal("read nothing, want frames and a close frame")
			}
			last := frames[len(frames)-1]
			code, reason := ws.ParseCloseFrameData(last.Payload)
			if last.Header.OpCode != ws.OpClose || code != SlowConsumerCode || reason != "slow consumer" {
				t.Fatalf("last frame = %v %q, want close %d %q", last.Header.OpCode, last.Payload, SlowConsumerCode, "slow consumer")
			}
			data := frames[:len(frames)-1]
			for i, f := range data {
				if f.Header.OpCode != ws.OpText || len(f.Payload) != 4001 || binary.BigEndian.Uint64(f.Payload[1:]) != uint64(i) {
					t.Fatalf("frame %d = %v of %d bytes, want text frame %d of 4001 bytes", i, f.Header.OpCode, len(f.Payload), i)
				}
			}
			if len(data) >= pushed {
				t.Errorf("client got %d of %d frames before the close frame, want the backlog dropped", len(data), pushed)
			}
		})
	}
}
