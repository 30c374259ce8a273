package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
)

// What other servers (and emitters) send to this one, applied through
// Local by the namespace's worker, as Node's onmessage, onrequest and
// onresponse.

// handle applies one message of namespace ns.
func (a *Adapter) handle(ns *namespace, m *goredis.Message) {
	payload := []byte(m.Payload)
	var err error
	switch {
	case m.Pattern != "":
		err = a.onBroadcast(ns, m.Channel, payload)
	case m.Channel == ns.requestChannel:
		err = a.onRequest(ns, payload)
	default:
		err = a.onResponse(ns, payload)
	}
	if err != nil {
		a.log.Warn().Str("nsp", ns.name).Str("channel", m.Channel).Int("bytes", len(payload)).Err(err).
			Msg("ignoring a cluster message that cannot be read")
	}
}

func (a *Adapter) onBroadcast(ns *namespace, channel string, payload []byte) error {
	if !strings.HasPrefix(channel, ns.channel) {
		return nil // another namespace's, were the pattern to match it
	}
	b, err := decodeBroadcast(payload)
	if err != nil {
		return err
	}
	if b.uid == a.uid || b.packet.Nsp != ns.name {
		return nil
	}
	p, err := b.packet.SIO(ns.local.Format())
	if err != nil {
		return err
	}
	ns.local.Broadcast(p, b.opts, "")
	return nil
}

func (a *Adapter) onRequest(ns *namespace, payload []byte) error {
	req, err := decodeMessage(payload)
	if err != nil {
		return err
	}
	if req.uid == a.uid {
		return nil // our own: the local part was done before publishing
	}
	local := ns.local
	switch req.typ {
	case typeSockets:
		ids := []string{}
		for _, s := range local.FetchSockets(ns.name, adapter.BroadcastOptions{Rooms: req.rooms}) {
			ids = append(ids, s.ID)
		}
		return a.respondJSON(ns, req, socketsResponse{RequestID: req.requestID, Sockets: ids})

	case typeAllRooms:
		return a.respondJSON(ns, req, allRoomsResponse{RequestID: req.requestID, Rooms: nonNil(local.Rooms(ns.name))})

	case typeRemoteJoin, typeRemoteLeave, typeRemoteDisconnect:
		if req.opts != nil {
			switch req.typ {
			case typeRemoteJoin:
				local.AddSockets(ns.name, *req.opts, req.rooms)
			case typeRemoteLeave:
				local.DelSockets(ns.name, *req.opts, req.rooms)
			default:
				local.DisconnectSockets(ns.name, *req.opts, req.close)
			}
			return nil
		}
		// The old form names one socket, and is answered when it is here.
		one := adapter.BroadcastOptions{Rooms: []string{req.sid}}
		if req.sid == "" || len(local.FetchSockets(ns.name, one)) == 0 {
			return nil
		}
		switch req.typ {
		case typeRemoteJoin:
			local.AddSockets(ns.name, one, []string{req.room})
		case typeRemoteLeave:
			local.DelSockets(ns.name, one, []string{req.room})
		default:
			local.DisconnectSockets(ns.name, one, req.close)
		}
		return a.respondJSON(ns, req, doneResponse{RequestID: req.requestID})

	case typeRemoteFetch:
		var opts adapter.BroadcastOptions
		if req.opts != nil {
			opts = *req.opts
		}
		sockets := []fetchedSocket{}
		for _, s := range local.FetchSockets(ns.name, opts) {
			sockets = append(sockets, fetchedSocket{ID: s.ID, Handshake: rawJSON(s.Handshake), Rooms: nonNil(s.Rooms), Data: s.Data})
		}
		return a.respondJSON(ns, req, fetchResponse{RequestID: req.requestID, Sockets: sockets})

	case typeServerSideEmit:
		list, err := toList(req.data, "server-side emit data")
		if err != nil {
			return err
		}
		format := local.Format()
		args, err := value.ToArgs(format, list)
		if err != nil {
			return err
		}
		if req.requestID == "" {
			local.ServerSideEmit(ns.name, args, nil)
			return nil
		}
		local.ServerSideEmit(ns.name, args, func(answer adapter.Args) {
			// Node answers on the shared response channel, whatever
			// publishOnSpecificResponseChannel says.
			a.reply(ns.responseChannel, ns, func() (any, error) {
				data, err := firstValue(format, answer)
				return serverSideEmitResponse{Type: typeServerSideEmit, RequestID: req.requestID, Data: data}, err
			}, encodeJSON)
		})
		return nil

	case typeBroadcast:
		a.mu.Lock()
		_, own := a.acks[req.requestID]
		a.mu.Unlock()
		if own {
			return nil
		}
		pkt, err := toPacket(req.packet)
		if err != nil {
			return err
		}
		format := local.Format()
		p, err := pkt.SIO(format)
		if err != nil {
			return err
		}
		var opts adapter.BroadcastOptions
		if req.opts != nil {
			opts = *req.opts
		}
		channel := a.responseChannelFor(ns, req.uid)
		local.BroadcastWithAck(p, opts, func(n int) {
			a.reply(channel, ns, func() (any, error) {
				return clientCountResponse{Type: typeBroadcastClientCount, RequestID: req.requestID, ClientCount: n}, nil
			}, encodeJSON)
		}, func(answer adapter.Args) {
			a.reply(channel, ns, func() (any, error) {
				v, err := firstValue(format, answer)
				return ackResponse{Type: typeBroadcastAck, RequestID: req.requestID, Packet: v}, err
			}, value.Marshal)
		})
		return nil
	}
	a.log.Debug().Str("nsp", ns.name).Int("type", int(req.typ)).Msg("ignoring a request of an unknown type")
	return nil
}

// firstValue is an answer's first argument, the one Node passes on; nil
// when there is none (Node's undefined: the key is left out).
func firstValue(format adapter.Format, answer adapter.Args) (*value.V, error) {
	if len(answer.Raw) == 0 {
		return nil, nil
	}
	vals, err := value.FromArgs(format, adapter.Args{Raw: answer.Raw[:1], Attachments: answer.Attachments})
	if err != nil {
		return nil, err
	}
	return &value.V{Any: vals[0]}, nil
}

// rawJSON keeps valid JSON as it is; nothing becomes null.
func rawJSON(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// responseChannelFor is where a response to requester uid goes, as Node's
// publishResponse.
func (a *Adapter) responseChannelFor(ns *namespace, uid string) string {
	if a.opts.PublishOnSpecificResponseChannel {
		return ns.responseChannel + uid + "#"
	}
	return ns.responseChannel
}

func (a *Adapter) respondJSON(ns *namespace, req *message, resp any) error {
	a.reply(a.responseChannelFor(ns, req.uid), ns, func() (any, error) { return resp, nil }, encodeJSON)
	return nil
}

// reply publishes a response; a response that cannot be built or sent is
// logged, since the requester only sees it missing (its request times out).
func (a *Adapter) reply(channel string, ns *namespace, build func() (any, error), encode func(any) ([]byte, error)) {
	resp, err := build()
	var msg []byte
	if err == nil {
		msg, err = encode(resp)
	}
	if err == nil {
		err = a.publish(context.Background(), channel, msg)
	}
	if err != nil && err != ErrClosed {
		a.log.Warn().Str("nsp", ns.name).Str("channel", channel).Err(err).Msg("cluster response not sent")
	}
}

func (a *Adapter) onResponse(ns *namespace, payload []byte) error {
	resp, err := decodeMessage(payload)
	if err != nil {
		return err
	}
	id := resp.requestID
	if id == "" {
		return nil
	}
	a.mu.Lock()
	if w, ok := a.acks[id]; ok {
		a.mu.Unlock()
		return a.onBroadcastResponse(ns, id, w, resp)
	}
	p := a.pending[id]
	if p == nil {
		a.mu.Unlock()
		return nil // another server's request, or one that timed out
	}
	defer a.mu.Unlock()
	switch p.typ {
	case typeRemoteFetch:
		p.got++
		for _, s := range resp.sockets {
			info, err := toSocketInfo(s)
			if err != nil {
				return err
			}
			p.sockets = append(p.sockets, info)
		}
	case typeAllRooms:
		p.got++
		p.rooms = append(p.rooms, resp.rooms...)
	case typeServerSideEmit:
		var args adapter.Args
		if resp.hasData {
			if args, err = value.ToArgs(ns.local.Format(), []any{resp.data}); err != nil {
				return err
			}
		}
		p.got++
		p.answers = append(p.answers, args)
	}
	if p.got >= p.want {
		p.finish()
	}
	return nil
}

// onBroadcastResponse takes a server's client count or a client's answer
// to a broadcast with acks; once every count came and as many answers, the
// broadcast is forgotten.
func (a *Adapter) onBroadcastResponse(ns *namespace, id string, w *broadcastAckWait, resp *message) error {
	switch resp.typ {
	case typeBroadcastClientCount:
		a.mu.Lock()
		w.servers--
		w.clients += resp.count
		counted, finished := w.servers == 0, w.servers <= 0 && w.clients <= 0
		a.mu.Unlock()
		w.clientCount(resp.count)
		if counted {
			w.countedOnce.Do(func() { close(w.counted) })
		}
		if finished {
			a.dropAck(id)
		}
	case typeBroadcastAck:
		var args adapter.Args
		if resp.hasPacket {
			var err error
			if args, err = value.ToArgs(w.format, []any{resp.packet}); err != nil {
				return err
			}
		}
		a.mu.Lock()
		w.clients--
		finished := w.servers <= 0 && w.clients <= 0
		a.mu.Unlock()
		w.ack(args)
		if finished {
			a.dropAck(id)
		}
	}
	return nil
}
