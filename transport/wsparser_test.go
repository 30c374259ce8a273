package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

// parseLog records what a frameParser hands over, as text, so that two
// parses of the same bytes compare with ==.
type parseLog struct {
	limit  int // a message longer is logged as OVER
	events []string
	stopAt int // onMessage asks to stop after this many messages; 0: never
	msgs   int
}

func (l *parseLog) onMessage(op ws.OpCode, compressed bool, data []byte) (bool, error) {
	if l.limit > 0 && len(data) > l.limit {
		l.events = append(l.events, fmt.Sprintf("OVER: a message of %d bytes", len(data)))
	}
	l.events = append(l.events, fmt.Sprintf("msg op=%d z=%t %q", op, compressed, data))
	l.msgs++
	return l.stopAt == 0 || l.msgs%l.stopAt != 0, nil
}

func (l *parseLog) onControl(op ws.OpCode, payload []byte) error {
	l.events = append(l.events, fmt.Sprintf("ctl op=%d %q", op, payload))
	if op == ws.OpClose {
		return io.EOF
	}
	return nil
}

// parseInPieces feeds data to a new parser cut at the given lengths (the
// rest in one piece), going on with what it leaves unread when it stops,
// and using fillTarget as a reader would. It returns what was handed over
// and the error that ended the parse, as text.
func parseInPieces(data []byte, cuts []int, maxPayload int, deflate bool, stopAt int) (events []string, end string) {
	p := frameParser{maxPayload: maxPayload, deflate: deflate}
	log := &parseLog{stopAt: stopAt, limit: maxPayload}
	var pieces [][]byte
	for _, c := range cuts {
		c = min(c, len(data))
		pieces = append(pieces, data[:c])
		data = data[c:]
	}
	pieces = append(pieces, data)
	for _, piece := range pieces {
		for len(piece) > 0 {
			if t := p.fillTarget(1); t != nil && len(piece) >= len(t) {
				n := copy(t, piece)
				piece = piece[n:]
				if _, err := p.filled(n, log); err != nil {
					return log.events, err.Error()
				}
				continue
			}
			rest, err := p.feed(piece, log)
			if err != nil {
				return log.events, err.Error()
			}
			piece = rest
		}
	}
	state := "idle"
	switch {
	case p.discarding():
		state = "discarding"
	case p.inFrame || p.hn > 0 || p.messageOp != 0:
		state = "incomplete"
	}
	return log.events, state
}

func maskedFrame(op ws.OpCode, fin bool, payload []byte) []byte {
	f := ws.MaskFrame(ws.NewFrame(op, fin, bytes.Clone(payload)))
	b, _ := ws.CompileFrame(f)
	return b
}

func streamOf(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// TestFrameParserPieces: however a client's stream is cut into reads, the
// parser hands over the same messages and control frames, and a header or
// payload cut anywhere is resumed.
func TestFrameParserPieces(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 7000) // over 65535 bytes: a 64-bit length
	stream := streamOf(
		maskedFrame(ws.OpText, true, []byte("4hello")),
		maskedFrame(ws.OpText, true, nil),
		maskedFrame(ws.OpText, false, []byte("4fr")),
		maskedFrame(ws.OpPing, true, []byte("p")),
		maskedFrame(ws.OpContinuation, false, []byte("ag")),
		maskedFrame(ws.OpContinuation, true, []byte("ment")),
		maskedFrame(ws.OpBinary, true, bytes.Repeat([]byte{0xfe}, 300)),
		maskedFrame(ws.OpBinary, true, big),
		maskedFrame(ws.OpPong, true, nil),
		maskedFrame(ws.OpText, true, []byte("4last")),
	)
	want, wantEnd := parseInPieces(stream, nil, 1<<20, false, 0)
	if len(want) != 8 || wantEnd != "idle" {
		t.Fatalf("whole stream: %d events, end %s; want 8, idle", len(want), wantEnd)
	}
	if want[3] != fmt.Sprintf("msg op=%d z=false %q", ws.OpText, "4fragment") {
		t.Fatalf("fragmented message = %s", want[3])
	}
	check := func(name string, cuts []int) {
		t.Helper()
		got, end := parseInPieces(stream, cuts, 1<<20, false, 0)
		if end != wantEnd || len(got) != len(want) {
			t.Fatalf("%s: %d events, end %s; want %d, %s", name, len(got), end, len(want), wantEnd)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: event %d = %.80s, want %.80s", name, i, got[i], want[i])
			}
		}
	}
	for cut := range 40 { // every cut through the first frames
		check(fmt.Sprintf("cut at %d", cut), []int{cut})
	}
	ones := make([]int, 200) // the first 200 bytes one at a time
	for i := range ones {
		ones[i] = 1
	}
	check("byte by byte", ones)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		var cuts []int
		for range 20 {
			cuts = append(cuts, r.IntN(9000))
		}
		check(fmt.Sprintf("random cuts %d", i), cuts)
	}
	// Stopping after every message and going on with the rest is the same.
	got, end := parseInPieces(stream, nil, 1<<20, false, 1)
	if end != wantEnd || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stopping after each message: %d events, end %s; want the same as whole", len(got), end)
	}
}

// TestFrameParserLimits: a message over the limit, fragmented or not, is
// read past (up to maxDiscard) and reported once read; control frames do not
// count toward it.
func TestFrameParserLimits(t *testing.T) {
	tests := []struct {
		name    string
		stream  []byte
		wantEnd string
		wantN   int // events before the end
	}{
		{"at the limit", maskedFrame(ws.OpText, true, bytes.Repeat([]byte("4"), 100)), "idle", 1},
		{"one over", maskedFrame(ws.OpText, true, bytes.Repeat([]byte("4"), 101)), errOversized.Error(), 0},
		{"over in its fragments", streamOf(maskedFrame(ws.OpText, false, bytes.Repeat([]byte("4"), 60)), maskedFrame(ws.OpContinuation, true, bytes.Repeat([]byte("x"), 60))), errOversized.Error(), 0},
		{"over, rest not sent yet", maskedFrame(ws.OpText, true, bytes.Repeat([]byte("4"), 1000))[:500], "discarding", 0},
		{"a ping between fragments does not count", streamOf(maskedFrame(ws.OpText, false, bytes.Repeat([]byte("4"), 60)), maskedFrame(ws.OpPing, true, bytes.Repeat([]byte("p"), 100)), maskedFrame(ws.OpContinuation, true, bytes.Repeat([]byte("x"), 40))), "idle", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cuts := range [][]int{nil, {1}, {3, 7, 50}} {
				events, end := parseInPieces(tt.stream, cuts, 100, false, 0)
				if end != tt.wantEnd || len(events) != tt.wantN {
					t.Fatalf("cuts %v: %d events, end %q; want %d, %q", cuts, len(events), end, tt.wantN, tt.wantEnd)
				}
			}
		})
	}
}

// TestFrameParserHeaderErrors: what breaks RFC 6455 in a header is a
// frameError, whichever read the header came in.
func TestFrameParserHeaderErrors(t *testing.T) {
	msb := []byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	unmasked, _ := ws.CompileFrame(ws.NewTextFrame([]byte("4x")))
	rsv := maskedFrame(ws.OpText, true, []byte("4x"))
	rsv[0] |= 0x40
	for _, tt := range []struct {
		name   string
		stream []byte
		want   error
	}{
		{"64-bit length with its top bit", msb, errHeaderLengthMSB},
		{"unmasked", unmasked, ws.ErrProtocolMaskRequired},
		{"RSV1 without deflate", rsv, ws.ErrProtocolNonZeroRsv},
	} {
		for _, cuts := range [][]int{nil, {1}, {2, 1, 1}} {
			p := frameParser{maxPayload: 1000}
			var err error
			data := tt.stream
			for _, c := range append(cuts, len(data)) {
				c = min(c, len(data))
				if _, err = p.feed(data[:c], &parseLog{}); err != nil {
					break
				}
				data = data[c:]
			}
			var fe frameError
			if !errors.As(err, &fe) || !errors.Is(err, tt.want) {
				t.Errorf("%s, cuts %v: error %v, want a frameError of %v", tt.name, cuts, err, tt.want)
			}
		}
	}
	// With deflate negotiated RSV1 is the compressed flag.
	events, end := parseInPieces(rsv, nil, 1000, true, 0)
	if end != "idle" || len(events) != 1 || events[0] != fmt.Sprintf("msg op=%d z=true %q", ws.OpText, "4x") {
		t.Fatalf("RSV1 with deflate: %v, end %s", events, end)
	}
}

// FuzzFrameParser: any bytes, cut anywhere, parse to the same messages,
// control frames and end as the bytes whole, without a panic, and no
// message over the limit gets through.
func FuzzFrameParser(f *testing.F) {
	f.Add(streamOf(maskedFrame(ws.OpText, true, []byte("4hello")), maskedFrame(ws.OpPing, true, []byte("p"))), uint64(1), false)
	f.Add(streamOf(maskedFrame(ws.OpText, false, []byte("4a")), maskedFrame(ws.OpContinuation, true, []byte("b"))), uint64(2), true)
	f.Add(maskedFrame(ws.OpBinary, true, bytes.Repeat([]byte{1}, 200)), uint64(3), false)
	f.Add(maskedFrame(ws.OpClose, true, []byte{3, 232}), uint64(4), false)
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, uint64(5), false)
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, deflate bool) {
		const limit = 512
		want, wantEnd := parseInPieces(data, nil, limit, deflate, 0)
		r := rand.New(rand.NewPCG(seed, seed>>1))
		var cuts []int
		for range 1 + r.IntN(8) {
			cuts = append(cuts, r.IntN(len(data)+1))
		}
		got, end := parseInPieces(data, cuts, limit, deflate, int(seed%3))
		if end != wantEnd || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("cut at %v: %q, end %s\nwhole: %q, end %s", cuts, got, end, want, wantEnd)
		}
		for _, e := range got {
			if strings.HasPrefix(e, "OVER") {
				t.Fatalf("%s through a %d-byte limit", e, limit)
			}
		}
	})
}
