package actorio

// RemoteSocket is a socket returned by FetchSockets: a snapshot of its id,
// handshake, rooms and data, and the operations that can be applied to it
// wherever it lives. Alone, every socket is local; a cluster adapter will
// return sockets of other servers in the same form.
type RemoteSocket struct {
	ID        string
	Handshake Handshake
	Rooms     []string
	Data      any
	local     *Socket
}

func newRemoteSocket(s *Socket) *RemoteSocket {
	return &RemoteSocket{ID: s.id, Handshake: s.handshake, Rooms: s.Rooms(), Data: s.Data(), local: s}
}

// Emit sends an event to the socket's client.
func (r *RemoteSocket) Emit(event string, args ...any) error { return r.local.Emit(event, args...) }

// Join adds the socket to rooms.
func (r *RemoteSocket) Join(rooms ...string) { r.local.Join(rooms...) }

// Leave removes the socket from rooms.
func (r *RemoteSocket) Leave(rooms ...string) { r.local.Leave(rooms...) }

// Disconnect disconnects the socket, closing its connection with close.
func (r *RemoteSocket) Disconnect(close bool) { r.local.Disconnect(close) }
