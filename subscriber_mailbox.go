package actorio

import (
	"sync"

	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
)

// SubscriberMailbox is a mailbox for an actor that subscribes to sockets
// (Namespace.Subscribe, Socket.Subscribe): at most n of their messages
// (Connected, Event, Disconnecting, Disconnected) wait in it. A socket's
// next message then waits for room on the socket's handler goroutine, and
// an Event is counted in its client's inbound backlog until it is in the
// mailbox, so a client the subscriber cannot keep up with stops being
// read (as with a slow handler; EngineOptions.InboundLimits) while other
// sockets go on. Other messages are neither counted nor held.
//
//	props := actor.PropsFromProducer(newMatch, actor.WithMailbox(actorio.SubscriberMailbox(256)))
//
// Use it rather than protoactor's Bounded, whose full mailbox spins its
// senders (and BoundedDropping loses messages).
func SubscriberMailbox(n int) actor.MailboxProducer {
	if n < 1 {
		n = 1
	}
	return func() actor.Mailbox {
		return actor.Unbounded(&subscriberLimit{slots: make(chan struct{}, n), stopped: make(chan struct{})})()
	}
}

// subscriberLimit is SubscriberMailbox's count, kept by protoactor's
// mailbox middleware hooks: MessagePosted runs on the sender's goroutine
// before the message is queued, MessageReceived after the actor has taken
// it.
type subscriberLimit struct {
	slots   chan struct{} // a token per socket message queued or being received
	stopped chan struct{} // closed when the actor stops: nothing waits then
	stop    sync.Once
}

func isSocketMessage(m any) bool {
	switch actor.UnwrapEnvelopeMessage(m).(type) {
	case *actormsg.Connected, *actormsg.Event, *actormsg.Disconnecting, *actormsg.Disconnected:
		return true
	}
	return false
}

func (l *subscriberLimit) MessagePosted(m any) {
	if _, stop := m.(*actor.Stop); stop {
		l.stop.Do(func() { close(l.stopped) })
		return
	}
	if isSocketMessage(m) {
		select {
		case l.slots <- struct{}{}:
		case <-l.stopped:
		}
	}
}

func (l *subscriberLimit) MessageReceived(m any) {
	// A message whose Receive panicked is never reported received; the
	// failure suspends the mailbox, once per failed message.
	_, failed := m.(*actor.SuspendMailbox)
	if failed || isSocketMessage(m) {
		select {
		case <-l.slots:
		default:
		}
	}
}

func (*subscriberLimit) MailboxStarted() {}
func (*subscriberLimit) MailboxEmpty()   {}
