// Package workers runs short bursts of work (a socket's lane draining, a
// session actor's mailbox) on goroutines that are kept parked between
// bursts, so a burst does not pay for a new goroutine and for growing its
// stack again, which go f() does every time.
//
// It is not a work queue: Go never waits and never queues; when no worker
// is parked it starts a new goroutine, so a worker blocked in user code
// never delays anyone else's work. The pool bounds only what it keeps
// parked (MaxIdle) and for how long (IdleTime), so an idle server holds no
// goroutine of it for long.
//
// A Pool is safe for concurrent use.
package workers
