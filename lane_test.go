package actorio

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actorio/actorio/internal/workers"
	"github.com/actorio/actorio/transport"
)

// A lane task holds its packet's credit while it waits and while it runs,
// and gives it back once it has run, so what waits on lanes counts in the
// session's inbound backlog.
func TestLaneReleasesCreditAfterEachTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := transport.NewInbound(transport.InboundLimits{Messages: 100}, 0)
		var l lane
		gate := make(chan struct{})
		seen := make(chan int, 4) // the backlog each task sees while it runs
		task := func() {
			<-gate
			m, _ := in.Backlog()
			seen <- m
		}
		for range 3 {
			l.runHolding(task, in.Acquire(10))
		}
		l.run(task) // work no packet caused holds nothing
		synctest.Wait()
		if m, b := in.Backlog(); m != 3 || b != 30 {
			t.Fatalf("backlog while the tasks wait = %d, %d bytes, want 3, 30", m, b)
		}
		close(gate)
		for i, want := range []int{3, 2, 1, 0} {
			if got := <-seen; got != want {
				t.Errorf("task %d saw a backlog of %d, want %d", i, got, want)
			}
		}
		synctest.Wait()
		if m, b := in.Backlog(); m != 0 || b != 0 {
			t.Errorf("backlog after the tasks = %d, %d bytes, want 0", m, b)
		}
	})
}

// Lanes on a pool: each runs its tasks in order, and a lane blocked in a
// task (holding the only parked worker) stalls no other lane.
func TestLanesOnPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pool := workers.New(1, time.Second)
		defer pool.Close()
		var a, b lane
		a.use(pool)
		b.use(pool)
		b.run(func() {}) // a worker runs it and parks: a's burst takes it
		synctest.Wait()
		gate := make(chan struct{})
		var order []int
		a.run(func() { <-gate; order = append(order, 0) })
		for i := 1; i < 4; i++ {
			a.run(func() { order = append(order, i) })
		}
		ran := make(chan struct{})
		b.run(func() { close(ran) })
		synctest.Wait()
		select {
		case <-ran:
		default:
			t.Fatal("a lane's task waits behind another lane's blocked task")
		}
		close(gate)
		synctest.Wait()
		if !slices.Equal(order, []int{0, 1, 2, 3}) {
			t.Errorf("lane ran its tasks in the order %v, want [0 1 2 3]", order)
		}
	})
}

// A lane that never empties keeps its array near the number of tasks that
// wait, not the number it has run.
func TestLaneQueueStaysBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l lane
		gate := make(chan struct{})
		l.run(func() { <-gate })
		synctest.Wait()
		for range 1000 {
			step := make(chan struct{})
			l.run(func() { <-step })
			close(gate) // the task before this one ends; this one starts
			synctest.Wait()
			gate = step
		}
		l.mu.Lock()
		waiting, size := len(l.queue)-l.head, cap(l.queue)
		l.mu.Unlock()
		if waiting != 0 || size > 4 {
			t.Errorf("after 1000 tasks, one at a time: %d waiting in an array of %d, want 0 in at most 4", waiting, size)
		}
		close(gate)
	})
}

// Once a socket's disconnect is queued (shutWith), the lane refuses direct
// events, and leaves their credit to the caller; until then they queue
// behind what is there, in order.
func TestLaneShutRefusesDirectEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := transport.NewInbound(transport.InboundLimits{Messages: 100}, 0)
		var l lane
		var ran []string
		task := func(name string) func() { return func() { ran = append(ran, name) } }
		if !l.runIfOpen(task("event"), in.Acquire(1)) {
			t.Fatal("an open lane refused a direct event")
		}
		l.shutWith(task("disconnect"), in.Acquire(1))
		late := in.Acquire(1)
		if l.runIfOpen(task("late"), late) {
			t.Fatal("a shut lane took a direct event")
		}
		synctest.Wait()
		if m, _ := in.Backlog(); m != 1 {
			t.Errorf("backlog = %d, want the refused event's credit alone", m)
		}
		late.Release()
		if !slices.Equal(ran, []string{"event", "disconnect"}) {
			t.Errorf("ran %v, want [event disconnect]", ran)
		}
	})
}
