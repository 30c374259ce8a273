package actorio_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/actorio/actorio"
)

// A handler asks its client and returns at once: the answer (or the
// timeout) comes later to a callback, which runs on the socket's handler
// goroutine, in order with its event handlers, as Node's
// socket.timeout(t).emit(ev, ..., (err, answer) => {}).
func ExampleSocket_EmitWithAckFunc() {
	srv := actorio.NewServer(nil)
	defer srv.Close()
	answered, timedOut := make(chan string, 1), make(chan string, 1)
	srv.OnConnection(func(s *actorio.Socket) {
		_ = s.On("quiz", func() {
			_ = s.Timeout(5*time.Second).EmitWithAckFunc("question", []any{"6 x 7?"}, func(a actorio.Args, err error) {
				var n int
				if err == nil {
					err = a.Decode(0, &n)
				}
				answered <- fmt.Sprint("answer ", n, ", error ", err)
			})
			_ = s.Timeout(50*time.Millisecond).EmitWithAckFunc("still there?", nil, func(_ actorio.Args, err error) {
				timedOut <- fmt.Sprint("timed out: ", errors.Is(err, actorio.ErrAckTimeout))
			})
		})
	})
	web := httptest.NewServer(srv)
	defer web.Close()

	c := exampleClient(web.URL, "40")
	c.send(`42["quiz"]`)
	fmt.Println(c.read())
	fmt.Println(c.read())
	c.send(`430[42]`) // answers the question, not the second one
	fmt.Println(<-answered)
	fmt.Println(<-timedOut)
	// Output:
	// 420["question","6 x 7?"]
	// 421["still there?"]
	// answer 42, error <nil>
	// timed out: true
}
