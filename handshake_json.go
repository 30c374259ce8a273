package actorio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// nodeHandshake is socket.handshake as Node writes it in JSON: what a
// cluster's fetchSockets carries between servers (and what Node code
// reading it expects), so Go and Node servers read each other's sockets.
type nodeHandshake struct {
	Headers map[string]any  `json:"headers"`
	Time    string          `json:"time"`
	Address string          `json:"address"`
	XDomain bool            `json:"xdomain"`
	Secure  bool            `json:"secure"`
	Issued  int64           `json:"issued"`
	URL     string          `json:"url"`
	Query   map[string]any  `json:"query"`
	Auth    json.RawMessage `json:"auth"`
}

// jsDateString is JavaScript's Date.prototype.toString, as Node puts the
// handshake time (in UTC here).
const jsDateString = "Mon Jan 02 2006 15:04:05 GMT-0700"

// MarshalJSON writes the handshake in Node's shape: lower-case header
// names, one string per header or query value (an array when repeated),
// time as JavaScript's Date string.
func (h Handshake) MarshalJSON() ([]byte, error) {
	n := nodeHandshake{Headers: map[string]any{}, Query: map[string]any{}, Address: h.Address,
		XDomain: h.XDomain, Secure: h.Secure, Issued: h.Issued, URL: h.URL, Auth: h.Auth}
	if !h.Time.IsZero() {
		n.Time = h.Time.UTC().Format(jsDateString) + " (Coordinated Universal Time)"
	}
	for k, vs := range h.Headers {
		n.Headers[strings.ToLower(k)] = oneOrMany(vs)
	}
	for k, vs := range h.Query {
		n.Query[k] = oneOrMany(vs)
	}
	if len(n.Auth) == 0 {
		n.Auth = json.RawMessage("{}")
	}
	return json.Marshal(n)
}

func oneOrMany(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	return vs
}

// UnmarshalJSON reads a handshake in Node's shape (from this server or a
// Node one).
func (h *Handshake) UnmarshalJSON(data []byte) error {
	var n nodeHandshake
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	*h = Handshake{Headers: http.Header{}, Query: url.Values{}, Auth: n.Auth, Address: n.Address,
		Issued: n.Issued, URL: n.URL, Secure: n.Secure, XDomain: n.XDomain}
	for k, v := range n.Headers {
		h.Headers[http.CanonicalHeaderKey(k)] = manyStrings(v)
	}
	for k, v := range n.Query {
		h.Query[k] = manyStrings(v)
	}
	if n.Issued != 0 {
		h.Time = time.UnixMilli(n.Issued)
	} else if len(n.Time) >= len(jsDateString) {
		h.Time, _ = time.Parse(jsDateString, n.Time[:len(jsDateString)])
	}
	return nil
}

func manyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
