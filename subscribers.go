package actorio

import (
	"slices"
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
)

// Subscribe makes pid receive the traffic of every socket of the
// namespace as actormsg messages: Connected, Event, Disconnecting and
// Disconnected, in order per socket. Nothing of pid's runs on Actorio's
// actors. Subscribing twice is once.
//
// A socket's messages are sent from its handler goroutine, and an Event
// is counted in its client's inbound backlog (EngineOptions.InboundLimits)
// until it is in pid's mailbox. Spawn pid with SubscriberMailbox for
// backpressure: when it is full the send waits, the clients it waits for
// are no longer read once their backlog is full (TCP pushes back), and the
// other sockets go on. With protoactor's default, unbounded mailbox a slow
// subscriber's backlog grows in its mailbox instead.
func (n *Namespace) Subscribe(pid *actor.PID) {
	n.mu.Lock()
	n.subscribers = addPID(n.subscribers, pid)
	n.mu.Unlock()
}

// Unsubscribe stops pid's messages from the namespace.
func (n *Namespace) Unsubscribe(pid *actor.PID) {
	n.mu.Lock()
	n.subscribers = removePID(n.subscribers, pid)
	n.mu.Unlock()
}

// Subscribe makes pid receive this socket's traffic as actormsg messages
// (an Event per event, then Disconnecting and Disconnected). It follows
// the socket's id: a socket restored by connection state recovery keeps
// its subscribers (they get its Connected with Recovered set).
func (s *Socket) Subscribe(pid *actor.PID) {
	n := s.nsp
	n.mu.Lock()
	if n.socketSubs == nil {
		n.socketSubs = map[string][]*actor.PID{}
	}
	n.socketSubs[s.id] = addPID(n.socketSubs[s.id], pid)
	n.mu.Unlock()
}

// Unsubscribe stops pid's messages from this socket.
func (s *Socket) Unsubscribe(pid *actor.PID) {
	n := s.nsp
	n.mu.Lock()
	if subs := removePID(n.socketSubs[s.id], pid); len(subs) > 0 {
		n.socketSubs[s.id] = subs
	} else {
		delete(n.socketSubs, s.id)
	}
	n.mu.Unlock()
}

// socketGone drops a disconnected socket's subscriptions, at once or, when
// it may be recovered, once its session has expired and it has not come
// back.
func (n *Namespace) socketGone(id string, recoverable bool) {
	n.mu.RLock()
	_, subscribed := n.socketSubs[id]
	n.mu.RUnlock()
	if !subscribed {
		return
	}
	drop := func() {
		n.mu.Lock()
		delete(n.socketSubs, id)
		n.mu.Unlock()
	}
	if !recoverable || n.server.opts.ConnectionStateRecovery == nil {
		drop()
		return
	}
	time.AfterFunc(n.server.opts.ConnectionStateRecovery.duration(), func() {
		for _, s := range n.To(id).localSockets() {
			if s.id == id {
				return // recovered: its subscriptions stay
			}
		}
		drop()
	})
}

func addPID(list []*actor.PID, pid *actor.PID) []*actor.PID {
	if pid == nil || slices.ContainsFunc(list, pid.Equal) {
		return list
	}
	return append(slices.Clone(list), pid)
}

func removePID(list []*actor.PID, pid *actor.PID) []*actor.PID {
	return slices.DeleteFunc(slices.Clone(list), pid.Equal)
}

// name is the socket's stable name in actormsg messages.
func (s *Socket) name() actormsg.Socket { return actormsg.Socket{Nsp: s.nsp.name, ID: s.id} }

// tellSubscribers sends the namespace's and the socket's subscribers the
// message msg builds (built only when someone listens). It runs on the
// socket's lane, so each subscriber gets one socket's messages in order.
func (s *Socket) tellSubscribers(msg func() any) { s.tell(msg, true) }

// tellConnected sends the socket's Connected: to its namespace's
// subscribers, and to its own only when it was recovered (they subscribed
// to it before). A new socket's own subscribers came after it connected,
// whether or not its connection handlers had finished: none gets it, so
// what one gets does not depend on timing.
func (s *Socket) tellConnected(msg func() any) { s.tell(msg, s.recovered) }

func (s *Socket) tell(msg func() any, ownToo bool) { s.audience(ownToo).tell(s, msg) }

// audienceList is who a socket's message goes to: its namespace's
// subscribers and its own. The lists are copied on write, so a snapshot
// stays as it was taken.
type audienceList struct{ subs, own []*actor.PID }

// audience is who listens now; ownToo adds the socket's own subscribers.
func (s *Socket) audience(ownToo bool) audienceList {
	s.nsp.mu.RLock()
	l := audienceList{subs: s.nsp.subscribers}
	if ownToo {
		l.own = s.nsp.socketSubs[s.id]
	}
	s.nsp.mu.RUnlock()
	return l
}

// tell sends them the message msg builds (built only when someone listens).
func (l audienceList) tell(s *Socket, msg func() any) {
	if len(l.subs) == 0 && len(l.own) == 0 {
		return
	}
	m := msg()
	root := s.nsp.server.engine.system.Root
	for _, pid := range l.subs {
		root.Send(pid, m)
	}
	for _, pid := range l.own {
		if !slices.ContainsFunc(l.subs, pid.Equal) {
			root.Send(pid, m)
		}
	}
}

// watch registers pid for an actormsg.Ended when the socket ends; false
// when it has ended already.
func (s *Socket) watch(pid *actor.PID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected.Load() {
		return false
	}
	x := s.more()
	x.watchers = addPID(x.watchers, pid)
	return true
}

// ended tells the socket's watchers it is gone.
func (s *Socket) ended(reason string) {
	s.mu.Lock()
	var ws []*actor.PID
	if x := s.extras; x != nil {
		ws, x.watchers = x.watchers, nil
	}
	s.mu.Unlock()
	for _, pid := range ws {
		s.nsp.server.engine.system.Root.Send(pid, &actormsg.Ended{Socket: s.name(), Reason: reason})
	}
}

// watchRoom registers pid for an actormsg.RoomEnded when room empties on
// this server; false when it has no member here now.
func (n *Namespace) watchRoom(room string, pid *actor.PID) bool {
	if n.RoomSize(room) == 0 {
		return false
	}
	n.mu.Lock()
	if n.roomWatchers == nil {
		n.roomWatchers = map[string][]*actor.PID{}
	}
	n.roomWatchers[room] = addPID(n.roomWatchers[room], pid)
	n.mu.Unlock()
	// The room may have emptied between the size and the registration.
	if n.RoomSize(room) == 0 {
		n.roomEnded(room)
	}
	return true
}

// roomEnded tells a room's watchers it is gone; from the namespace actor's
// room events (or watchRoom's race check), so it never waits.
func (n *Namespace) roomEnded(room string) {
	n.mu.Lock()
	ws := n.roomWatchers[room]
	delete(n.roomWatchers, room)
	n.mu.Unlock()
	for _, pid := range ws {
		n.server.notify(pid, &actormsg.RoomEnded{Nsp: n.name, Room: room})
	}
}

// notify sends a user's actor a message from one of ours, which must not
// wait: a send to a user's bounded mailbox may block until it has room,
// so it goes on a goroutine of its own.
func (s *Server) notify(pid *actor.PID, msg any) {
	go s.engine.system.Root.Send(pid, msg)
}
