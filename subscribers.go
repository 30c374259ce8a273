package actorio

import (
	"slices"

	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
)

// Subscribe makes pid receive the traffic of every socket of the
// namespace as actormsg messages: Connected, Event, Disconnecting and
// Disconnected, in order per socket. Nothing of pid's runs on Actorio's
// actors. Subscribing twice is once.
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
// (an Event per event, then Disconnecting and Disconnected).
func (s *Socket) Subscribe(pid *actor.PID) {
	s.mu.Lock()
	s.subscribers = addPID(s.subscribers, pid)
	s.mu.Unlock()
}

// Unsubscribe stops pid's messages from this socket.
func (s *Socket) Unsubscribe(pid *actor.PID) {
	s.mu.Lock()
	s.subscribers = removePID(s.subscribers, pid)
	s.mu.Unlock()
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
func (s *Socket) tellSubscribers(msg func() any) {
	s.nsp.mu.RLock()
	subs := s.nsp.subscribers
	s.nsp.mu.RUnlock()
	s.mu.RLock()
	own := s.subscribers
	s.mu.RUnlock()
	if len(subs) == 0 && len(own) == 0 {
		return
	}
	m := msg()
	root := s.nsp.server.engine.system.Root
	for _, pid := range subs {
		root.Send(pid, m)
	}
	for _, pid := range own {
		if !slices.ContainsFunc(subs, pid.Equal) {
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
	s.watchers = addPID(s.watchers, pid)
	return true
}

// ended tells the socket's watchers it is gone.
func (s *Socket) ended(reason string) {
	s.mu.Lock()
	ws := s.watchers
	s.watchers = nil
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
// room events (or watchRoom's race check), so it only sends.
func (n *Namespace) roomEnded(room string) {
	n.mu.Lock()
	ws := n.roomWatchers[room]
	delete(n.roomWatchers, room)
	n.mu.Unlock()
	for _, pid := range ws {
		n.server.engine.system.Root.Send(pid, &actormsg.RoomEnded{Nsp: n.name, Room: room})
	}
}
