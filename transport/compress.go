package transport

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"strconv"
	"strings"
)

// CompressionOptions configures gzip/deflate of polling responses, as
// Node's httpCompression. The zero value compresses responses of at least
// 1024 bytes, as Node does by default.
type CompressionOptions struct {
	// Disabled turns compression off.
	Disabled bool
	// Threshold is the smallest body compressed. Zero means 1024 bytes.
	Threshold int
}

const defaultCompressionThreshold = 1024

// encode returns body compressed for the request's Accept-Encoding and the
// Content-Encoding to announce, or body unchanged and "".
func (c CompressionOptions) encode(r *http.Request, body []byte) ([]byte, string) {
	threshold := c.Threshold
	if threshold <= 0 {
		threshold = defaultCompressionThreshold
	}
	if c.Disabled || len(body) < threshold {
		return body, ""
	}
	accept := r.Header.Get("Accept-Encoding")
	var buf bytes.Buffer
	switch {
	case acceptsEncoding(accept, "gzip"):
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body) // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		return buf.Bytes(), "gzip"
	case acceptsEncoding(accept, "deflate"):
		zw := zlib.NewWriter(&buf) // HTTP's "deflate" is zlib-wrapped, as Node's createDeflate
		_, _ = zw.Write(body)
		_ = zw.Close()
		return buf.Bytes(), "deflate"
	}
	return body, ""
}

// acceptsEncoding reports whether an Accept-Encoding header admits enc with
// a quality above zero.
func acceptsEncoding(header, enc string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}
