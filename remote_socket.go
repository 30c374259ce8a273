package actorio

import (
	"context"
	"encoding/json"
	"time"

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
	timeout   time.Duration // bounds EmitWithAck (Timeout)
}

func newRemoteSocket(s *Socket) *RemoteSocket {
	return &RemoteSocket{ID: s.id, Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data(), local: s, nsp: s.nsp}
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

// Timeout returns a copy of r whose EmitWithAck waits d at most, then
// returns ErrAckTimeout (which also matches context.DeadlineExceeded).
// Node: remoteSocket.timeout(t).
func (r *RemoteSocket) Timeout(d time.Duration) *RemoteSocket {
	c := *r
	c.timeout = d
	return &c
}

// EmitWithAck sends an event to the socket's client, wherever it is, and
// returns the client's acknowledgement: all its arguments from a socket of
// this server; from another server, what the adapter carries (Node's
// adapters, and so adapter/redis, carry the first argument). It waits until
// ctx ends, bounded by Timeout (or the server's AckTimeout when ctx has no
// deadline); a socket of another server answers through the cluster
// adapter. A socket that is gone (here or, when the cluster says no server
// has it, anywhere) gives ErrDisconnected; one of another server that
// disconnects after the packet reached it gives ErrAckTimeout once the
// time is up, since the cluster does not carry its disconnect (as in Node).
// Node: await remoteSocket.timeout(t).emitWithAck(ev, ...args).
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if r.local != nil {
		return r.local.emitWithAck(ctx, event, args, emitFlags{timeout: r.timeout})
	}
	b := r.only()
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.timeout, errAckTimedOut)
		defer cancel()
	}
	answers, err := b.EmitWithAck(ctx, event, args...)
	switch {
	case len(answers) > 0:
		return answers[0], nil // the one answer that counts, as Node's expectSingleResponse
	case err != nil && context.Cause(ctx) == errAckTimedOut:
		return Args{}, errAckTimedOut
	case err != nil:
		return Args{}, err
	default:
		return Args{}, ErrDisconnected // no server had it
	}
}
