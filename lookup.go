package actorio

// Lookups of this server's sockets and rooms. Each is one question to the
// actor that owns the fact (the namespace actor's registry and room index),
// answered in its turn: a snapshot, consistent with the broadcasts and
// joins before and after it, never a copy kept in step by a lock.

import (
	"slices"

	"github.com/actorio/actorio/actors"
)

// Socket returns the socket of this server with id, connected to the
// namespace, or false. Node: nsp.sockets.get(id).
func (n *Namespace) Socket(id string) (*Socket, bool) {
	reply := make(chan any, 1)
	ref, _ := ask(n, &actors.FindSocket{ID: id, Reply: reply}, reply)
	s, ok := ref.(*Socket)
	return s, ok
}

// Sockets returns the sockets of this server connected to the namespace
// now, in no particular order. FetchSockets also finds the other servers'.
// Node: nsp.sockets (a Map, here a snapshot).
func (n *Namespace) Sockets() []*Socket {
	return (&BroadcastOperator{nsp: n}).localSockets()
}

// Rooms returns the namespace's rooms on this server, each socket's own
// room (its id) included, sorted. AllRooms asks the whole cluster.
// Node: nsp.adapter.rooms.keys().
func (n *Namespace) Rooms() []string {
	rooms := localSide{n.server}.Rooms(n.name)
	slices.Sort(rooms)
	return rooms
}

// RoomMembers returns the ids of this server's sockets in room, sorted;
// none when the room does not exist. Node: nsp.adapter.rooms.get(room).
func (n *Namespace) RoomMembers(room string) []string {
	reply := make(chan []string, 1)
	ids, _ := ask(n, &actors.ListRoomMembers{Room: room, Reply: reply}, reply)
	slices.Sort(ids)
	return ids
}

// ClientsCount is the number of Engine.IO sessions open now (each
// Socket.IO client's connection, whatever namespaces it joined), counted
// from the handshake until the session has ended.
// Node: engine.clientsCount (io.engine.clientsCount).
func (e *Engine) ClientsCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.live)
}
