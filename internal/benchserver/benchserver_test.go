package benchserver

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws/wsutil"
)

func TestTickPayload(t *testing.T) {
	p := tickPayload(1732245600123.456, 42, 100)
	var s string
	if err := json.Unmarshal(p, &s); err != nil || len(s) != 100 || !strings.HasPrefix(s, "1732245600123.456|42|x") {
		t.Errorf("payload %s (%d bytes of content)", p, len(s))
	}
	if p := tickPayload(1, 1, 3); string(p) != `"1.000|1|"` {
		t.Errorf("a size too small for the header gives %s", p)
	}
}

// contract drives the server as the load generator does: raw frames, one
// Engine.IO packet each, compared as strings.
type contract struct {
	t *testing.T
	c net.Conn
}

func dial(t *testing.T, url string) *contract {
	t.Helper()
	k := &contract{t: t, c: testkit.DialWS(t, "ws"+strings.TrimPrefix(url, "http")+"/socket.io/?EIO=4&transport=websocket")}
	if open := k.read(); !strings.Contains(open, `"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000`) {
		t.Fatalf("open packet %s", open)
	}
	k.send("40")
	if reply := k.read(); !strings.HasPrefix(reply, `40{"sid":"`) {
		t.Fatalf("CONNECT reply %s", reply)
	}
	return k
}

func (k *contract) send(s string) { _ = wsutil.WriteClientText(k.c, []byte(s)) }

func (k *contract) read() string {
	k.t.Helper()
	data, _, err := wsutil.ReadServerData(k.c)
	if err != nil {
		k.t.Fatalf("read: %v", err)
	}
	return string(data)
}

func (k *contract) expect(want string) {
	k.t.Helper()
	if got := k.read(); got != want {
		k.t.Fatalf("got %q, want %q", got, want)
	}
}

func TestContractEvents(t *testing.T) {
	srv := New(Config{})
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		web.Close()
	})
	a, b := dial(t, web.URL), dial(t, web.URL)
	a.send(`4217["join","r1"]`)
	a.expect(`4317[1]`)
	b.send(`421["join","r1"]`)
	b.expect(`431[2]`)

	payload := `"1732245600123456789|42|7|xxxx"`
	a.send(`42["relay","r1",` + payload + `]`) // to the room but the sender
	b.expect(`42["relay",` + payload + `]`)
	b.send(`42["fanout","r1",` + payload + `]`) // the sender included
	a.expect(`42["fanout",` + payload + `]`)
	b.expect(`42["fanout",` + payload + `]`)

	a.send(`422["echo",1,"two",{"b":[3],"a":null}]`)
	a.expect(`432[1,"two",{"b":[3],"a":null}]`)
	a.send(`42["echo","no ack id, no ack"]`)
	a.send(`42["unknown-event"]`)
	a.send(`423["stats"]`)
	if got := a.read(); !regexp.MustCompile(`^433\[\{"rss":[1-9]\d*,"sockets":2\}\]$`).MatchString(got) {
		t.Errorf("stats = %q", got)
	}
	a.send(`424["leave","r1"]`)
	a.expect(`434[true]`)
	b.send(`42["relay","r1",` + payload + `]`)
	b.send(`425["echo"]`) // b got no relay of its own; a none after leaving
	b.expect(`435[]`)
	a.send(`426["echo"]`)
	a.expect(`436[]`)
}

func TestTickLoop(t *testing.T) {
	srv := New(Config{TickHz: 50, TickBytes: 40})
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		web.Close()
	})
	c := dial(t, web.URL)
	c.send(`421["join","game"]`)
	c.expect(`431[1]`)
	tick := regexp.MustCompile(`^42\["tick","(\d+\.\d{3})\|(\d+)\|x+"\]$`)
	var lastSeq string
	for range 3 {
		m := tick.FindStringSubmatch(c.read())
		if m == nil {
			t.Fatal("not a tick")
		}
		if m[2] == lastSeq {
			t.Errorf("seq %s twice", m[2])
		}
		lastSeq = m[2]
	}
}

// TestClusterEventsAlone: count and sse answer on a single server too
// (count is this server's sockets; sse reaches no one else).
func TestClusterEventsAlone(t *testing.T) {
	srv := New(Config{})
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		web.Close()
	})
	a, b := dial(t, web.URL), dial(t, web.URL)
	a.send(`421["join","r"]`)
	a.expect(`431[1]`)
	b.send(`422["join","r"]`)
	b.expect(`432[2]`)
	a.send(`423["count","r"]`)
	a.expect(`433[2]`)
	a.send(`424["count","nobody"]`)
	a.expect(`434[0]`)
	b.send(`425["sse",{"x":1}]`)
	b.expect(`435[true]`)
}
