package transport

// JSONP polling for Engine.IO v3 clients ("j" in the query), as Node's
// engine.io serves it: browsers without XHR, or engine.io-client 3.x with
// forceJSONP. A GET's payload is wrapped in a call to the client's callback,
// ___eio[j]("..."); a POST is a form whose field d holds the payload, its
// newlines escaped by the client. The session encodes JSONP payloads as
// text (Base64, as the client asks with "b64"). No v4 client uses JSONP.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// ErrJSONPForm reports a JSONP POST without the form field d.
var ErrJSONPForm = errors.New("transport: jsonp post without a d field")

// jsonpWrap wraps a text payload in the client's callback. encoding/json
// escapes U+2028 and U+2029 (valid in JSON, not in a JS string before
// ES2019), as Node does by hand, and <, > and &, which JavaScript reads
// the same.
func jsonpWrap(r *http.Request, payload []byte) []byte {
	index := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, r.URL.Query().Get("j"))
	js, _ := json.Marshal(string(payload)) // a string always encodes
	out := make([]byte, 0, len(js)+len(index)+10)
	out = append(out, "___eio["...)
	out = append(out, index...)
	out = append(out, "]("...)
	out = append(out, js...)
	return append(out, ");"...)
}

// jsonpBody returns the payload of a JSONP POST: the form field d with the
// client's newline escaping undone (its `\n` is a newline, its `\\n` a
// literal backslash-n), as Node's JSONP transport.
func jsonpBody(body []byte) ([]byte, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil || !form.Has("d") {
		return nil, ErrJSONPForm
	}
	d := form.Get("d")
	var out strings.Builder
	out.Grow(len(d))
	for i := 0; i < len(d); i++ {
		switch {
		case strings.HasPrefix(d[i:], `\\n`):
			out.WriteString(`\\n`)
			i += 2
		case strings.HasPrefix(d[i:], `\n`):
			out.WriteByte('\n')
			i++
		default:
			out.WriteByte(d[i])
		}
	}
	return []byte(strings.ReplaceAll(out.String(), `\\n`, `\n`)), nil
}
