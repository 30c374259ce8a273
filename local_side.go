package actorio

import (
	"encoding/json"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
)

// localSide is what the cluster adapter asks of this server: apply to the
// local sockets what another server's broadcast or request addresses.
type localSide struct{ s *Server }

func (l localSide) Format() adapter.Format {
	if l.s.opts.Parser == ParserMsgpack {
		return adapter.FormatMsgpack
	}
	return adapter.FormatJSON
}

func (l localSide) RecoveryDuration() time.Duration {
	return l.s.opts.ConnectionStateRecovery.duration()
}

func (l localSide) operator(nsp string, opts adapter.BroadcastOptions) *BroadcastOperator {
	b := &BroadcastOperator{nsp: l.s.Of(nsp), rooms: opts.Rooms, except: opts.Except,
		volatile: opts.Flags.Volatile, noCompress: !opts.Flags.Compress, local: true}
	return b
}

// Broadcast delivers another server's broadcast. With recovery on, the
// packet gets an offset (the cluster's, or one of this server's when it
// records packets itself) so that its clients can recover it, as Node's
// cluster adapter adds it on the receiving side.
func (l localSide) Broadcast(p *sio.Packet, opts adapter.BroadcastOptions, offset string) {
	b := l.operator(p.Nsp(), opts)
	record := ""
	if l.s.opts.ConnectionStateRecovery != nil && !opts.Flags.Volatile && !p.HasID {
		if offset == "" && !l.s.clusterSessions() {
			offset = newOffset()
			record = offset
		}
		if offset != "" {
			p = l.s.withOffset(p, offset)
		}
	}
	_ = b.deliverLocal(p, record) // a failed namespace was logged loudly already
}

func (l localSide) BroadcastWithAck(p *sio.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack func(adapter.Args)) {
	b := l.operator(p.Nsp(), opts)
	q := *p
	q.ID, q.HasID = b.nsp.nextAckID(), true // this server's id: its clients answer it here
	n, _ := b.deliverLocalWithAck(&q, func(r ackResult) {
		if r.err == nil {
			ack(adapter.Args{Raw: r.args.raw, Attachments: r.args.atts})
		}
	}) // a failed namespace reaches no one, and was logged loudly already
	clientCount(n)
}

func (l localSide) FetchSockets(nsp string, opts adapter.BroadcastOptions) []adapter.SocketInfo {
	var out []adapter.SocketInfo
	for _, s := range l.operator(nsp, opts).localSockets() {
		data, _ := json.Marshal(s.Data())
		data = l.s.withAdminData(s, data)
		hs, _ := json.Marshal(s.Handshake())
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

// ServerSideEmit runs the handlers of another server's event in order on
// the namespace's lane. When the sender asked for an answer, the first
// handler that acks answers it (Node calls back once).
func (l localSide) ServerSideEmit(nsp string, args adapter.Args, ack func(adapter.Args)) {
	n := l.s.lookup(nsp)
	if n == nil || len(args.Raw) == 0 {
		return
	}
	var event string
	if l.s.codec.decode(args.Raw[0], nil, &event) != nil {
		return
	}
	n.mu.RLock()
	hs := n.serverSide[event]
	n.mu.RUnlock()
	a := Args{raw: args.Raw[1:], atts: args.Attachments, codec: l.s.codec}
	var answer Ack
	if ack != nil {
		answer = newAck(func(vals []any) error {
			data, atts, err := l.s.codec.encode("", vals)
			if err != nil {
				return err
			}
			raw, err := l.s.codec.split(data)
			if err != nil {
				return err
			}
			ack(adapter.Args{Raw: raw, Attachments: atts})
			return nil
		})
	}
	n.runQueued(queuedServerSide, func() { // refused: the sender's ack times out
		for _, h := range hs {
			if err := h.call(event, a, answer); err != nil {
				l.s.opts.Logger.Debug().Str("nsp", nsp).Str("event", event).Err(err).Msg("server-side handler failed")
			}
		}
	})
}

func (l localSide) Rooms(nsp string) []string {
	n := l.s.lookup(nsp)
	if n == nil {
		return nil
	}
	reply := make(chan []string, 1)
	rooms, _ := ask(n, &actors.ListRooms{Reply: reply}, reply)
	return rooms
}
