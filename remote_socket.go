package actorio

import (
	"encoding/json"

	"github.com/actorio/actorio/adapter"
)

// RemoteSocket is a socket returned by FetchSockets: a snapshot of its id,
// handshake, rooms and data, and the operations that can be applied to it
// wherever it lives. Alone, every socket is local; a cluster adapter will
// return sockets of other servers in the same form.
type RemoteSocket struct {
	ID        string
	Handshake Handshake
	Rooms     []string
	Data      any // a local socket's value; json.RawMessage for another server's
	local     *Socket
	nsp       *Namespace
}

func newRemoteSocket(s *Socket) *RemoteSocket {
	return &RemoteSocket{ID: s.id, Handshake: s.handshake, Rooms: s.Rooms(), Data: s.Data(), local: s, nsp: s.nsp}
}

// remoteSocketFromInfo wraps a socket of another server; its operations go
// through the adapter, addressed to its own room.
func remoteSocketFromInfo(n *Namespace, info adapter.SocketInfo) *RemoteSocket {
	r := &RemoteSocket{ID: info.ID, Rooms: info.Rooms, nsp: n}
	if len(info.Data) > 0 {
		r.Data = json.RawMessage(info.Data)
	}
	_ = json.Unmarshal(info.Handshake, &r.Handshake)
	return r
}

// only addresses this socket alone, wherever it lives.
func (r *RemoteSocket) only() *BroadcastOperator {
	return (&BroadcastOperator{nsp: r.nsp}).To(r.ID)
}

// Emit sends an event to the socket's client.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	if r.local != nil {
		return r.local.Emit(event, args...)
	}
	return r.only().Emit(event, args...)
}

// Join adds the socket to rooms.
func (r *RemoteSocket) Join(rooms ...string) error {
	if r.local != nil {
		r.local.Join(rooms...)
		return nil
	}
	return r.only().SocketsJoin(rooms...)
}

// Leave removes the socket from rooms.
func (r *RemoteSocket) Leave(rooms ...string) error {
	if r.local != nil {
		r.local.Leave(rooms...)
		return nil
	}
	return r.only().SocketsLeave(rooms...)
}

// Disconnect disconnects the socket, closing its connection with close.
func (r *RemoteSocket) Disconnect(close bool) error {
	if r.local != nil {
		r.local.Disconnect(close)
		return nil
	}
	return r.only().DisconnectSockets(close)
}
