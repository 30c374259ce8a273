package actorio

import (
	"encoding/json"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
)

// localSide is what the cluster adapter asks of this server: apply to the
// local sockets what another server's broadcast or request addresses.
type localSide struct{ s *Server }

func (l localSide) operator(nsp string, opts adapter.BroadcastOptions) *BroadcastOperator {
	b := &BroadcastOperator{nsp: l.s.Of(nsp), rooms: opts.Rooms, except: opts.Except,
		volatile: opts.Flags.Volatile, noCompress: !opts.Flags.Compress, local: true}
	return b
}

func (l localSide) Broadcast(p *sio.Packet, opts adapter.BroadcastOptions) {
	_ = l.operator(p.Nsp(), opts).deliverLocal(p, "") // a failed namespace was logged loudly already
}

func (l localSide) BroadcastWithAck(p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func([][]byte)) {
	n, _ := l.operator(p.Nsp(), opts).deliverLocalWithAck(p, func(r ackResult) {
		if r.err == nil {
			ack(r.args.raw)
		}
	}) // a failed namespace reaches no one, and was logged loudly already
	clientCount(n)
}

func (l localSide) FetchSockets(nsp string, opts adapter.BroadcastOptions) []adapter.SocketInfo {
	var out []adapter.SocketInfo
	for _, s := range l.operator(nsp, opts).localSockets() {
		data, _ := json.Marshal(s.Data())
		hs, _ := json.Marshal(s.handshake)
		out = append(out, adapter.SocketInfo{ID: s.id, Rooms: s.Rooms(), Data: data, Handshake: hs})
	}
	return out
}

func (l localSide) AddSockets(nsp string, opts adapter.BroadcastOptions, rooms []string) {
	_ = l.operator(nsp, opts).SocketsJoin(rooms...)
}

func (l localSide) DelSockets(nsp string, opts adapter.BroadcastOptions, rooms []string) {
	_ = l.operator(nsp, opts).SocketsLeave(rooms...)
}

func (l localSide) DisconnectSockets(nsp string, opts adapter.BroadcastOptions, close bool) {
	_ = l.operator(nsp, opts).DisconnectSockets(close)
}

func (l localSide) ServerSideEmit(nsp string, args [][]byte) {
	n := l.s.lookup(nsp)
	if n == nil || len(args) == 0 {
		return
	}
	var event string
	if l.s.codec.decode(args[0], nil, &event) != nil {
		return
	}
	n.mu.RLock()
	hs := n.serverSide[event]
	n.mu.RUnlock()
	a := Args{raw: args[1:], codec: l.s.codec}
	n.lane.run(func() {
		for _, h := range hs {
			if err := h.call(event, a, func(...any) error { return ErrNoAck }); err != nil {
				l.s.opts.Logger.Debug().Str("nsp", nsp).Str("event", event).Err(err).Msg("server-side handler failed")
			}
		}
	})
}
