package redis

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// What this server sends to the others. The server has done the local part
// already; each method only publishes, as Node's RedisAdapter does after
// (or instead of) calling its in-memory parent.

// namespaceOf returns a namespace the adapter was told of.
func (a *Adapter) namespaceOf(nsp string) (*namespace, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, ErrClosed
	}
	ns := a.namespaces[nsp]
	if ns == nil {
		return nil, fmt.Errorf("adapter/redis: namespace %s was not added", nsp)
	}
	return ns, nil
}

// Broadcast implements adapter.Adapter: msgpack [uid, packet, opts] on the
// namespace's channel, or on the room's when it addresses exactly one.
func (a *Adapter) Broadcast(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) error {
	if opts.Flags.Local {
		return nil
	}
	ns, err := a.namespaceOf(p.Nsp())
	if err != nil {
		return err
	}
	pkt, err := value.FromPacket(ns.local.Format(), p)
	if err != nil {
		return fmt.Errorf("adapter/redis: broadcast in %s: %w", ns.name, err)
	}
	pkt.ID = nil
	msg, err := encodeBroadcast(a.uid, pkt, opts)
	if err != nil {
		return fmt.Errorf("adapter/redis: broadcast in %s: %w", ns.name, err)
	}
	channel := ns.channel
	if rooms := uniq(opts.Rooms); len(rooms) == 1 {
		channel += rooms[0] + "#"
	}
	return a.publish(ctx, channel, msg)
}

// BroadcastWithAck implements adapter.Adapter: a BROADCAST request
// (msgpack); each other server answers with its client count, then with
// each client's answer. It returns once every other server has reported
// its count, so that the caller knows how many answers to wait for; an
// error when they did not all report within RequestsTimeout or ctx.
// Answers are taken until ctx ends.
func (a *Adapter) BroadcastWithAck(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) error {
	if opts.Flags.Local {
		return nil
	}
	ns, err := a.namespaceOf(p.Nsp())
	if err != nil {
		return err
	}
	n, err := a.serverCount(ctx, ns.requestChannel)
	if err != nil {
		return err
	}
	if n <= 1 {
		return nil
	}
	format := ns.local.Format()
	pkt, err := value.FromPacket(format, p)
	if err != nil {
		return fmt.Errorf("adapter/redis: broadcast with acks in %s: %w", ns.name, err)
	}
	pkt.ID = nil // each server gives it an id of its own
	id := newID()
	msg, err := value.Marshal(broadcastRequest{UID: a.uid, RequestID: id, Type: typeBroadcast, Packet: pkt, Opts: newBroadcastOpts(opts)})
	if err != nil {
		return fmt.Errorf("adapter/redis: broadcast with acks in %s: %w", ns.name, err)
	}
	w := &broadcastAckWait{clientCount: clientCount, ack: ack, format: format, servers: n - 1, counted: make(chan struct{})}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.acks[id] = w
	w.release = context.AfterFunc(ctx, func() { a.dropAck(id) })
	a.mu.Unlock()
	if err := a.publish(ctx, ns.requestChannel, msg); err != nil {
		a.dropAck(id)
		return err
	}
	timer := time.NewTimer(a.opts.RequestsTimeout)
	defer timer.Stop()
	var why error
	select {
	case <-w.counted:
	case <-timer.C:
		why = fmt.Errorf("requests timeout %v", a.opts.RequestsTimeout)
	case <-ctx.Done():
		why = ctx.Err()
	case <-a.done:
		return ErrClosed
	}
	a.mu.Lock()
	missing := w.servers
	a.mu.Unlock()
	if missing == 0 {
		return nil
	}
	a.dropAck(id)
	if a.isClosed() {
		return ErrClosed
	}
	if why == nil {
		why = context.Cause(ctx)
	}
	return fmt.Errorf("adapter/redis: broadcast with acks in %s: %d of %d servers did not report their client count: %w", ns.name, missing, n-1, why)
}

// FetchSockets implements adapter.Adapter (REMOTE_FETCH).
func (a *Adapter) FetchSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	p, err := a.ask(ctx, nsp, typeRemoteFetch, func(id string) any {
		return fetchRequest{UID: a.uid, RequestID: id, Type: typeRemoteFetch, Opts: newRequestOpts(opts)}
	})
	if p == nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(p.sockets), err
}

// AllRooms implements adapter.Adapter (ALL_ROOMS).
func (a *Adapter) AllRooms(ctx context.Context, nsp string) ([]string, error) {
	p, err := a.ask(ctx, nsp, typeAllRooms, func(id string) any {
		return allRoomsRequest{UID: a.uid, RequestID: id, Type: typeAllRooms}
	})
	if p == nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(p.rooms), err
}

// ServerSideEmitWithAck implements adapter.Adapter (SERVER_SIDE_EMIT with
// a requestId): one answer per other server.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, nsp string, args adapter.Args) ([]adapter.Args, error) {
	data, err := a.emitData(nsp, args)
	if err != nil {
		return nil, err
	}
	p, err := a.ask(ctx, nsp, typeServerSideEmit, func(id string) any {
		return serverSideEmitRequest{UID: a.uid, RequestID: id, Type: typeServerSideEmit, Data: data}
	})
	if p == nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(p.answers), err
}

// ask sends a request that every other server answers; nil when there is
// no other server (or the request could not be made: then with an error).
func (a *Adapter) ask(ctx context.Context, nsp string, typ requestType, build func(id string) any) (*pending, error) {
	ns, err := a.namespaceOf(nsp)
	if err != nil {
		return nil, err
	}
	n, err := a.serverCount(ctx, ns.requestChannel)
	if err != nil {
		return nil, err
	}
	if n <= 1 {
		return nil, nil
	}
	id := newID()
	msg, err := encodeJSON(build(id))
	if err != nil {
		return nil, fmt.Errorf("adapter/redis: %s in %s: %w", typ, nsp, err)
	}
	p := &pending{typ: typ, want: n - 1}
	return p, a.request(ctx, ns, id, p, msg)
}

// ServerSideEmit implements adapter.Adapter (SERVER_SIDE_EMIT).
func (a *Adapter) ServerSideEmit(ctx context.Context, nsp string, args adapter.Args) error {
	data, err := a.emitData(nsp, args)
	if err != nil {
		return err
	}
	return a.tell(ctx, nsp, serverSideEmitRequest{UID: a.uid, Type: typeServerSideEmit, Data: data})
}

// emitData reads a server-side event's arguments (the event name first)
// into the cluster's values.
func (a *Adapter) emitData(nsp string, args adapter.Args) (value.V, error) {
	ns, err := a.namespaceOf(nsp)
	if err != nil {
		return value.V{}, err
	}
	vals, err := value.FromArgs(ns.local.Format(), args)
	if err != nil {
		return value.V{}, fmt.Errorf("adapter/redis: server-side emit in %s: %w", nsp, err)
	}
	return value.V{Any: vals}, nil
}

// AddSockets implements adapter.Adapter (REMOTE_JOIN, the opts form).
func (a *Adapter) AddSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.tell(ctx, nsp, roomsRequest{UID: a.uid, Type: typeRemoteJoin, Opts: newRequestOpts(opts), Rooms: nonNil(rooms)})
}

// DelSockets implements adapter.Adapter (REMOTE_LEAVE, the opts form).
func (a *Adapter) DelSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, rooms []string) error {
	return a.tell(ctx, nsp, roomsRequest{UID: a.uid, Type: typeRemoteLeave, Opts: newRequestOpts(opts), Rooms: nonNil(rooms)})
}

// DisconnectSockets implements adapter.Adapter (REMOTE_DISCONNECT, the
// opts form).
func (a *Adapter) DisconnectSockets(ctx context.Context, nsp string, opts adapter.BroadcastOptions, close bool) error {
	return a.tell(ctx, nsp, disconnectRequest{UID: a.uid, Type: typeRemoteDisconnect, Opts: newRequestOpts(opts), Close: close})
}

// tell publishes a request that nobody answers.
func (a *Adapter) tell(ctx context.Context, nsp string, req any) error {
	ns, err := a.namespaceOf(nsp)
	if err != nil {
		return err
	}
	msg, err := encodeJSON(req)
	if err != nil {
		return fmt.Errorf("adapter/redis: request in %s: %w", nsp, err)
	}
	return a.publish(ctx, ns.requestChannel, msg)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
