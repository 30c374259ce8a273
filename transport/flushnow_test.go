package transport

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/gobwas/ws"
)

// A frame pushed by a caller that owns the flush is written before
// FlushNow returns, with no writer involved; a push behind a flush still
// owed is not owned; two frames, or frames a full socket leaves, go to the
// pool; everything arrives, in order.
func TestFlushNow(t *testing.T) {
	pool := newPool(t, nil)
	p := newTCPPairs(t, 1, dialTCP)[0]
	oc := attach(t, pool, p.server, roomy, &hookRecorder{})

	var want []byte
	r, owned := oc.PushOwned([]byte("a"), false)
	if r != PushQueued || !owned {
		t.Fatalf("PushOwned on an empty queue = %v, owned %t; want queued and owned", r, owned)
	}
	want = append(want, 'a')
	oc.FlushNow()
	if n := oc.PendingFrames(); n != 0 {
		t.Fatalf("%d frames pending after FlushNow of one frame to an empty socket, want it written", n)
	}
	checkStream(t, "after the first flush", <-readN(p.client, len(want)), want)

	r1, owned1 := oc.PushOwned([]byte("b"), false)
	r2, owned2 := oc.PushOwned([]byte("c"), false)
	if r1 != PushQueued || !owned1 || r2 != PushQueued || owned2 {
		t.Fatalf("two pushes = (%v, %t), (%v, %t); want the first owned, the second queued behind it", r1, owned1, r2, owned2)
	}
	oc.FlushNow() // two frames: the pool's
	want = []byte("bc")

	// A frame larger than the socket takes at once: FlushNow writes a part,
	// the pool the rest.
	big := bytes.Repeat([]byte("x"), 8<<20)
	read := readN(p.client, len(want)+len(big)+1)
	if _, owned := oc.PushOwned(big, false); owned {
		oc.FlushNow()
	}
	if _, owned := oc.PushOwned([]byte("z"), false); owned {
		oc.FlushNow()
	}
	want = append(append(want, big...), 'z')
	checkStream(t, "after the pool's part", <-read, want)
}

// Many small messages in one write, more than the poller's buffer holds,
// all arrive, in order.
func TestWebSocketManySmallMessages(t *testing.T) {
	readers(t, func(t *testing.T, poller *ReadPoller) {
		pool := newPool(t, nil)
		pairs := newTCPPairs(t, 1, dialTCP)
		s := attachWS(t, pool, poller, pairs, 1000, nil, nil)[0]
		var stream []byte
		const n = 20000
		for i := range n {
			stream = append(stream, maskedFrame(ws.OpText, true, []byte("4m"+strconv.Itoa(i)))...)
		}
		go func() { _, _ = pairs[0].client.Write(stream) }()
		for i := range n {
			wantPacket(t, s, "m"+strconv.Itoa(i))
		}
	})
}
