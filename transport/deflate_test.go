package transport

import (
	"bytes"
	"errors"
	"testing"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

func TestCompressedFrameRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{nil, []byte("4hello"), bytes.Repeat([]byte("abc"), 100_000)} {
		frame := AppendCompressedFrame([]byte("pre"), ws.OpText, payload)
		if !bytes.HasPrefix(frame, []byte("pre")) {
			t.Fatal("prefix lost")
		}
		f, err := testkit.ReadFrame(bytes.NewReader(frame[3:]))
		if err != nil || !f.Header.Rsv1() || !f.Header.Fin || f.Header.OpCode != ws.OpText {
			t.Fatalf("frame header %+v, %v", f.Header, err)
		}
		// gobwas's own inflater agrees with our deflater, and ours with it.
		g, err := wsflate.DecompressFrame(f)
		if err != nil || !bytes.Equal(g.Payload, payload) {
			t.Fatalf("wsflate.DecompressFrame: %v (%d bytes, want %d)", err, len(g.Payload), len(payload))
		}
		got, err := inflate(f.Payload, 0)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("inflate: %v (%d bytes, want %d)", err, len(got), len(payload))
		}
	}
}

func TestInflateLimits(t *testing.T) {
	bomb, err := wsflate.CompressFrame(ws.NewBinaryFrame(make([]byte, 10<<20)))
	if err != nil {
		t.Fatal(err)
	}
	if len(bomb.Payload) > 20<<10 {
		t.Fatalf("bomb is %d bytes compressed", len(bomb.Payload))
	}
	if _, err := inflate(bomb.Payload, 1_000_000); !errors.Is(err, ErrMessageTooBig) {
		t.Errorf("inflate(10 MiB bomb, limit 1e6) error = %v, want %v", err, ErrMessageTooBig)
	}
	if _, err := inflate([]byte{0xff, 0xff, 0xff, 0xff}, 0); !errors.Is(err, ErrDeflate) {
		t.Errorf("inflate(garbage) error = %v, want %v", err, ErrDeflate)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	tests := []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br", "gzip", true},
		{"GZIP", "gzip", true},
		{"deflate", "gzip", false},
		{"gzip;q=0", "gzip", false},
		{"gzip; q=0.5", "gzip", true},
		{"gzip;q=0.0", "gzip", false},
		{"", "gzip", false},
	}
	for _, tt := range tests {
		if got := acceptsEncoding(tt.header, tt.enc); got != tt.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tt.header, tt.enc, got, tt.want)
		}
	}
}
