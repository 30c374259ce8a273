package actorio

import (
	"sync"
	"time"

	"github.com/actorio/actorio/internal/testkit"
)

// SetOverlapWait sets how long a session holds a GET that overlapped
// another before it decides the client really sent two (actors'
// overlapWait), for tests whose outcome must not hang on how fast a loaded
// machine notices an aborted request.
func SetOverlapWait(o *EngineOptions, d time.Duration) { o.overlapWait = d }

// HoldSession blocks the session actor of s's client until release is
// called, and returns once it is blocked: what reaches s's handlers
// meanwhile did not wait in the session's mailbox.
func HoldSession(s *Socket) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	s.client.es.Run(func() {
		close(held)
		<-done
	})
	select {
	case <-held:
	case <-time.After(testkit.Timeout):
		panic("the session actor did not run the hold")
	}
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}
