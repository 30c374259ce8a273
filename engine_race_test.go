package actorio_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws/wsutil"
)

// The two races the official Engine.IO suite runs, many times over on real
// sockets. The session-level tests in actors/ force each order; these show
// that whatever order the server happens to read the requests in, the
// answers are the same.

const raceIterations = 200

// "close › HTTP long-polling › forcefully closes the session": a GET and a
// POST carrying the close packet, sent at the same moment.
func TestRaceClosePOSTBesideGET(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	for i := range raceIterations {
		_, url := handshake(t, base)
		type answer struct {
			status int
			body   string
		}
		get := make(chan answer, 1)
		go func() {
			status, body := doQuiet(url, "GET", "")
			get <- answer{status, body}
		}()
		if status, body := do(t, "POST", url, "1"); status != 200 || body != "ok" {
			t.Fatalf("iteration %d: close POST = %d %q, want 200 ok", i, status, body)
		}
		select {
		case a := <-get:
			if a.status != 200 || a.body != "6" {
				t.Fatalf("iteration %d: GET beside the close = %d %q, want 200 6", i, a.status, a.body)
			}
		case <-time.After(testkit.Timeout):
			t.Fatalf("iteration %d: GET beside the close not answered", i)
		}
		if status, _ := do(t, "GET", url, ""); status != 400 {
			t.Fatalf("iteration %d: GET after the close = %d, want 400", i, status)
		}
	}
}

// "upgrade › ignores HTTP requests with same sid after upgrade": the upgrade
// packet on the WebSocket, then at once a polling GET.
func TestRaceGETAfterUpgradePacket(t *testing.T) {
	base := startEngine(t, &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second})
	for i := range raceIterations {
		sid, url := handshake(t, base)
		c := dialWS(t, wsURL(base, "?EIO=4&transport=websocket&sid="+sid))
		_ = wsutil.WriteClientText(c, []byte("2probe"))
		if got := readText(t, c); got != "3probe" {
			t.Fatalf("iteration %d: probe answer = %q", i, got)
		}
		_ = wsutil.WriteClientText(c, []byte("5"))
		if status, body := do(t, "GET", url, ""); status != 400 {
			t.Fatalf("iteration %d: GET after the upgrade packet = %d %q, want 400", i, status, body)
		}
		_ = wsutil.WriteClientText(c, []byte("4hello"))
		if got := readText(t, c); got != "4hello" {
			t.Fatalf("iteration %d: echo on the WebSocket = %q", i, got)
		}
		c.Close()
	}
}

// doQuiet is do for a goroutine other than the test's: errors come back as
// status 0 with the error text.
func doQuiet(url, method, body string) (int, string) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// "closes the session upon cancelled polling request": a GET the client
// aborts, then its next GET, which must get 400. The server may see them in
// either order (actors/ forces each); odd iterations send the next GET
// first, so that it often reaches the session before the aborted one.
func TestRaceAbortedGETBesideNextGET(t *testing.T) {
	opts := &actorio.EngineOptions{PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second}
	// The 500 ms the official suite fits in is too short for a loaded
	// machine to notice every abort: wait as long as the test waits.
	actorio.SetOverlapWait(opts, testkit.Timeout)
	base := startEngine(t, opts)
	host := strings.TrimPrefix(strings.SplitN(base, "/engine.io/", 2)[0], "http://")
	abortGET := func(url string) {
		conn, err := net.DialTimeout("tcp", host, testkit.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(url, "http://"+host)
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
		conn.Close()
	}
	for i := range raceIterations {
		nextFirst := i%2 == 1
		_, url := handshake(t, base)
		next := make(chan [2]string, 1) // status, body
		if nextFirst {
			go func() {
				status, body := doQuiet(url, "GET", "")
				next <- [2]string{fmt.Sprint(status), body}
			}()
			abortGET(url)
		} else {
			abortGET(url)
			go func() {
				status, body := doQuiet(url, "GET", "")
				next <- [2]string{fmt.Sprint(status), body}
			}()
		}
		select {
		case got := <-next:
			if got[0] != "400" {
				t.Fatalf("iteration %d (next GET first: %v): next GET = %s %q, want 400", i, nextFirst, got[0], got[1])
			}
		case <-time.After(testkit.Timeout):
			t.Fatalf("iteration %d: next GET not answered", i)
		}
	}
}
