package actorio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// nodeHandshake is a handshake as Node's socket.handshake, which
// fetchSockets carries between the servers of a cluster: Node servers read
// a Go socket's handshake in this shape, and Go servers theirs.
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

// nodeTime is Date.prototype.toString's layout, in UTC.
const nodeTime = "Mon Jan 02 2006 15:04:05 GMT-0700"

// clusterJSON writes h as Node's socket.handshake: header names lower-case
// and values joined (set-cookie stays a list), query values single unless
// repeated, time as Date's string.
func (h Handshake) clusterJSON() ([]byte, error) {
	n := nodeHandshake{Headers: map[string]any{}, Address: h.Address, XDomain: h.XDomain, Secure: h.Secure,
		Issued: h.Issued, URL: h.URL, Query: map[string]any{}, Auth: h.Auth}
	if !h.Time.IsZero() {
		n.Time = h.Time.UTC().Format(nodeTime) + " (Coordinated Universal Time)"
	}
	for k, v := range h.Headers {
		k = strings.ToLower(k)
		if k == "set-cookie" {
			n.Headers[k] = v
		} else {
			n.Headers[k] = strings.Join(v, ", ")
		}
	}
	for k, v := range h.Query {
		if len(v) == 1 {
			n.Query[k] = v[0]
		} else {
			n.Query[k] = v
		}
	}
	if len(n.Auth) == 0 {
		n.Auth = json.RawMessage("{}")
	}
	return json.Marshal(n)
}

// handshakeFromCluster reads a handshake another server sent in Node's
// shape; what it cannot read stays empty.
func handshakeFromCluster(b []byte) Handshake {
	var n nodeHandshake
	_ = json.Unmarshal(b, &n) // partial on a type mismatch: keep what was read
	h := Handshake{Headers: http.Header{}, Query: url.Values{}, Auth: n.Auth, Address: n.Address,
		Issued: n.Issued, URL: n.URL, Secure: n.Secure, XDomain: n.XDomain}
	if len(n.Time) >= len(nodeTime) {
		h.Time, _ = time.Parse(nodeTime, n.Time[:len(nodeTime)])
	}
	for k, v := range n.Headers {
		h.Headers[http.CanonicalHeaderKey(k)] = headerValues(v)
	}
	for k, v := range n.Query {
		h.Query[k] = headerValues(v)
	}
	return h
}

// headerValues reads a header or query value: a string or a list of them.
func headerValues(v any) []string {
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
