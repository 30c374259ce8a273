package actorio_test

import (
	"net/http"
	"testing"

	"github.com/actorio/actorio"
)

// discardWriter is a ResponseWriter that keeps nothing but the body size.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// A bundle request once the file is cached: what every page load costs.
func BenchmarkServeClient(b *testing.B) {
	srv := actorio.NewServer(&actorio.Options{ClientDir: clientDist})
	b.Cleanup(srv.Close)
	for _, enc := range []string{"identity", "gzip", "br"} {
		b.Run("encoding="+enc, func(b *testing.B) {
			r, _ := http.NewRequest("GET", "/socket.io/socket.io.min.js", nil)
			r.Header.Set("Accept-Encoding", enc)
			w := &discardWriter{h: http.Header{}}
			srv.ServeHTTP(w, r) // compress once, outside the loop
			if w.n == 0 {
				b.Fatalf("GET socket.io.min.js (%s): no body", enc)
			}
			size := w.n
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				srv.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(size), "body-B")
		})
	}
}
