package actorio

import "testing"

// Each file is read once and each encoding compressed once: later requests
// get the same bytes.
func TestClientFileCompressedOnce(t *testing.T) {
	c := newClientBundle("node_modules/socket.io-client/dist")
	for enc := encIdentity; enc < numEncodings; enc++ {
		f1, err := c.file("socket.io.min.js")
		if err != nil {
			t.Skipf("socket.io-client not installed (npm ci): %v", err)
		}
		a, err := f1.body(enc)
		if err != nil {
			t.Fatalf("body(%s): %v", encodingNames[enc], err)
		}
		f2, _ := c.file("socket.io.min.js")
		b, _ := f2.body(enc)
		if f1 != f2 || len(a) == 0 || &a[0] != &b[0] {
			t.Errorf("body(%s) built twice: %p, %p", encodingNames[enc], a, b)
		}
	}
}
