package actorio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHandshakeJSONIsNodes(t *testing.T) {
	at := time.Date(2026, 12, 2, 4, 5, 6, 0, time.UTC)
	h := Handshake{Headers: http.Header{"User-Agent": {"go"}, "Cookie": {"a=1"}}, Query: url.Values{"EIO": {"4"}, "t": {"a", "b"}},
		Auth: json.RawMessage(`{"token":"x"}`), Address: "127.0.0.1", Time: at, Issued: at.UnixMilli(), URL: "/socket.io/?EIO=4", XDomain: true}
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"headers":{"cookie":"a=1","user-agent":"go"}`, `"time":"Wed Dec 02 2026 04:05:06 GMT+0000 (Coordinated Universal Time)"`,
		`"query":{"EIO":"4","t":["a","b"]}`, `"auth":{"token":"x"}`, `"xdomain":true`, `"issued":` + "1796184306000"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("json.Marshal(handshake) = %s, want %s in it", data, want)
		}
	}
	var back Handshake
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Headers.Get("User-Agent") != "go" || len(back.Query["t"]) != 2 || !back.Time.Equal(at) || back.Address != "127.0.0.1" || string(back.Auth) != `{"token":"x"}` {
		t.Errorf("round trip = %+v", back)
	}
	// What a Node server sends (socket.handshake through JSON).
	node := `{"headers":{"host":"localhost:3000","connection":"keep-alive"},"time":"Wed Dec 02 2026 04:05:06 GMT+0000 (Coordinated Universal Time)","address":"::1","xdomain":false,"secure":false,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{}}`
	var fromNode Handshake
	if err := json.Unmarshal([]byte(node), &fromNode); err != nil || fromNode.Headers.Get("Host") != "localhost:3000" || fromNode.Query.Get("transport") != "websocket" || !fromNode.Time.Equal(at) {
		t.Errorf("Node's handshake read as %+v, %v", fromNode, err)
	}
}
