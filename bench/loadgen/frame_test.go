package loadgen

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseFrame(t *testing.T) {
	long := bytes.Repeat([]byte("a"), 300)
	huge := bytes.Repeat([]byte("b"), 70000)
	tests := []struct {
		name    string
		in      []byte
		want    frame
		wantN   int
		wantErr error
	}{
		// 1 0 0 0 0001 | 0 0000010 | "42"
		{name: "text fin", in: []byte{0x81, 0x02, '4', '2'}, want: frame{fin: true, op: opText, payload: []byte("42")}, wantN: 4},
		{name: "empty", in: nil, wantN: 0},
		{name: "one byte", in: []byte{0x81}, wantN: 0},
		{name: "short payload", in: []byte{0x81, 0x03, '4', '2'}, wantN: 0},
		{name: "trailing bytes stay", in: []byte{0x81, 0x01, '2', 0x81}, want: frame{fin: true, op: opText, payload: []byte("2")}, wantN: 3},
		// length 126: 16-bit extended length 0x012c = 300
		{name: "len16", in: append([]byte{0x81, 126, 0x01, 0x2c}, long...), want: frame{fin: true, op: opText, payload: long}, wantN: 304},
		{name: "len16 header cut", in: []byte{0x81, 126, 0x01}, wantN: 0},
		// length 127: 64-bit extended length 0x11170 = 70000
		{name: "len64", in: append([]byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70}, huge...), want: frame{fin: true, op: opText, payload: huge}, wantN: 70010},
		{name: "len64 header cut", in: []byte{0x81, 127, 0, 0, 0, 0}, wantN: 0},
		// 0 0 0 0 0001: first fragment
		{name: "first fragment", in: []byte{0x01, 0x01, '4'}, want: frame{op: opText, payload: []byte("4")}, wantN: 3},
		{name: "continuation fin", in: []byte{0x80, 0x01, '2'}, want: frame{fin: true, op: opContinuation, payload: []byte("2")}, wantN: 3},
		{name: "ping", in: []byte{0x89, 0x01, 'p'}, want: frame{fin: true, op: opPing, payload: []byte("p")}, wantN: 3},
		{name: "close", in: []byte{0x88, 0x02, 0x03, 0xe8}, want: frame{fin: true, op: opClose, payload: []byte{0x03, 0xe8}}, wantN: 4},
		// 1 1 0 0: RSV1 (permessage-deflate) was never negotiated
		{name: "rsv1", in: []byte{0xc1, 0x01, 'x'}, wantErr: errFrameRSV},
		{name: "masked", in: []byte{0x81, 0x81, 1, 2, 3, 4, 'x'}, wantErr: errFrameMasked},
		{name: "reserved opcode", in: []byte{0x83, 0x00}, wantErr: errFrameOpcode},
		{name: "fragmented ping", in: []byte{0x09, 0x00}, wantErr: errFrameControl},
		{name: "long ping", in: []byte{0x89, 126, 0, 126}, wantErr: errFrameControl},
		{name: "too big", in: []byte{0x81, 127, 0, 0, 0, 0, 0x10, 0, 0, 0}, wantErr: errFrameTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := parseFrame(tt.in, 1<<20)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("parseFrame(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if n != tt.wantN || got.fin != tt.want.fin || got.op != tt.want.op || !bytes.Equal(got.payload, tt.want.payload) {
				t.Fatalf("parseFrame(%q) = %+v, %d, want %+v, %d", tt.in, got, n, tt.want, tt.wantN)
			}
		})
	}
}

// TestParseFrameSplit feeds a stream of frames cut at every point, as the
// socket may deliver it, and checks that the same packets come out.
func TestParseFrameSplit(t *testing.T) {
	var stream []byte
	want := [][]byte{[]byte("2"), bytes.Repeat([]byte("y"), 200), []byte(`42["fanout","1|2|3|xx"]`), bytes.Repeat([]byte("z"), 70000)}
	for _, p := range want {
		stream = appendServerFrame(stream, p)
	}
	for cut := 0; cut <= len(stream); cut += 1 + cut/64 {
		var got [][]byte
		var buf []byte
		for _, part := range [][]byte{stream[:cut], stream[cut:]} {
			buf = append(buf, part...)
			for {
				f, n, err := parseFrame(buf, 1<<20)
				if err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				if n == 0 {
					break
				}
				got = append(got, bytes.Clone(f.payload))
				buf = buf[n:]
			}
		}
		if len(got) != len(want) || len(buf) != 0 {
			t.Fatalf("cut %d: %d packets and %d bytes left, want %d and 0", cut, len(got), len(buf), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("cut %d: packet %d = %.40q, want %.40q", cut, i, got[i], want[i])
			}
		}
	}
}

// appendServerFrame frames p as a server would: unmasked text, FIN.
func appendServerFrame(dst, p []byte) []byte {
	n := len(p)
	switch {
	case n < 126:
		dst = append(dst, 0x81, byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x81, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x81, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, p...)
}

func TestAppendClientFrame(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		wantHdr []byte
	}{
		// 1 000 0001 | 1 0000010 | key
		{name: "short", payload: []byte("40"), wantHdr: []byte{0x81, 0x82}},
		{name: "125", payload: bytes.Repeat([]byte("a"), 125), wantHdr: []byte{0x81, 0x80 | 125}},
		{name: "126", payload: bytes.Repeat([]byte("a"), 126), wantHdr: []byte{0x81, 0x80 | 126, 0, 126}},
		{name: "65536", payload: bytes.Repeat([]byte("a"), 65536), wantHdr: []byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	const key = 0x01020304
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := appendClientFrame([]byte("prefix"), opText, tt.payload, key)
			f = f[len("prefix"):]
			if !bytes.HasPrefix(f, tt.wantHdr) {
				t.Fatalf("header = % x, want % x", f[:len(tt.wantHdr)], tt.wantHdr)
			}
			k := f[len(tt.wantHdr) : len(tt.wantHdr)+4]
			if !bytes.Equal(k, []byte{1, 2, 3, 4}) {
				t.Fatalf("mask key = % x, want 01 02 03 04", k)
			}
			body := bytes.Clone(f[len(tt.wantHdr)+4:])
			mask(body, [4]byte{1, 2, 3, 4})
			if !bytes.Equal(body, tt.payload) {
				t.Fatalf("unmasked payload = %.40q, want %.40q", body, tt.payload)
			}
		})
	}
}

func TestMaskMatchesBytewise(t *testing.T) {
	k := [4]byte{0xde, 0xad, 0xbe, 0xef}
	for n := 0; n < 40; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7)
		}
		got := bytes.Clone(b)
		mask(got, k)
		for i := range b {
			if got[i] != b[i]^k[i%4] {
				t.Fatalf("mask len %d: byte %d = %#x, want %#x", n, i, got[i], b[i]^k[i%4])
			}
		}
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add([]byte{0x81, 0x02, '4', '2'})
	f.Add([]byte{0x81, 126, 0x01, 0x2c})
	f.Add([]byte{0x81, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := parseFrame(b, 1<<16)
		if err != nil {
			return
		}
		if n > len(b) || (n > 0 && len(fr.payload) > n) {
			t.Fatalf("parseFrame(%q) consumed %d of %d bytes, payload %d", b, n, len(b), len(fr.payload))
		}
	})
}
