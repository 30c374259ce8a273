package actorio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
)

// The connection under a socket (Node: socket.conn), its events, and the
// handshake's HTTP request (Node: socket.request) with what HTTP
// middleware put in its context.
func ExampleSocket_Conn() {
	type userKey struct{}
	srv := actorio.NewServer(nil)
	defer srv.Close()
	ready := make(chan struct{})
	packets := make(chan string, 1)
	closed := make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		r := s.Request()
		theme, err := r.Cookie("theme")
		if err != nil {
			theme = &http.Cookie{}
		}
		fmt.Println("user:", r.Context().Value(userKey{}), "theme:", theme.Value)

		conn := s.Conn() // shared by the client's sockets in every namespace
		fmt.Println("transport:", conn.Transport(), "protocol:", conn.Protocol())
		conn.OnPacket(func(p actorio.EnginePacket) { packets <- p.Type.String() + " " + string(p.Data) })
		conn.OnClose(func(reason string) { closed <- reason })
		close(ready)
	})
	// HTTP middleware in front of the server: the values it sets in the
	// request's context are in Socket.Request().Context().
	withUser := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "alice")))
	})
	web := httptest.NewServer(withUser)
	defer web.Close()

	c := exampleClientWithHeader(web.URL, http.Header{"Cookie": {"theme=dark"}}, "40")
	<-ready
	c.send(`42["hi"]`)
	fmt.Println("packet:", <-packets)
	srv.Of("/").DisconnectSockets(true) // the server closes the connection
	fmt.Println("closed:", <-closed)
	// Output:
	// user: alice theme: dark
	// transport: websocket protocol: 4
	// packet: message 2["hi"]
	// closed: forced close
}

// exampleClientWithHeader is exampleClient sending header with its
// WebSocket handshake.
func exampleClientWithHeader(base string, header http.Header, connect string) *exClient {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(header)}
	conn, br, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		panic(err)
	}
	c := &exClient{conn: testkit.Wrap(conn, br)}
	c.read() // the Engine.IO open packet
	c.send(connect)
	c.last = c.read()
	return c
}
