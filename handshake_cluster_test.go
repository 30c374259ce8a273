package actorio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// TestHandshakeClusterJSON: a handshake crosses servers in Node's shape
// (socket.handshake), so Node servers read a Go socket's, and back.
func TestHandshakeClusterJSON(t *testing.T) {
	at := time.Date(2026, 12, 2, 4, 21, 35, 0, time.UTC)
	h := Handshake{
		Headers: http.Header{"Host": {"h:1"}, "Accept": {"a", "b"}, "Set-Cookie": {"x=1"}},
		Query:   url.Values{"EIO": {"4"}, "tag": {"1", "2"}},
		Auth:    json.RawMessage(`{"token":"t"}`), Address: "127.0.0.1:5", Time: at, Issued: at.UnixMilli(),
		URL: "/socket.io/?EIO=4", Secure: true, XDomain: true,
	}
	b, err := h.clusterJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headers":{"accept":"a, b","host":"h:1","set-cookie":["x=1"]},"time":"Wed Dec 02 2026 04:21:35 GMT+0000 (Coordinated Universal Time)","address":"127.0.0.1:5","xdomain":true,"secure":true,"issued":1796185295000,"url":"/socket.io/?EIO=4","query":{"EIO":"4","tag":["1","2"]},"auth":{"token":"t"}}`
	if string(b) != want {
		t.Errorf("clusterJSON() = %s, want %s", b, want)
	}
	back := handshakeFromCluster(b)
	h.Headers["Accept"] = []string{"a, b"} // joined, as Node joins them
	if !back.Time.Equal(h.Time) {
		t.Errorf("handshakeFromCluster time = %v, want %v", back.Time, h.Time)
	}
	back.Time = h.Time
	if !reflect.DeepEqual(back, h) {
		t.Errorf("handshakeFromCluster(%s) = %+v, want %+v", b, back, h)
	}
}
