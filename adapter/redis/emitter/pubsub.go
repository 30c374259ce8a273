package emitter

import (
	"context"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/internal/value"
)

// pubsub is the format of @socket.io/redis-adapter 8.3's createAdapter, as
// npm @socket.io/redis-emitter 5.1 writes it: a broadcast is msgpack
// ["emitter", packet, opts] on KEY#NSP# (KEY#NSP#ROOM# for exactly one
// room), the other operations JSON requests on KEY-request#NSP#.
type pubsub struct {
	client goredis.UniversalClient
	key    string
}

// requestType numbers the adapter's requests (its RequestType enum).
type requestType int

const (
	requestRemoteJoin       requestType = 2
	requestRemoteLeave      requestType = 3
	requestRemoteDisconnect requestType = 4
	requestServerSideEmit   requestType = 6
)

// broadcastOptions is the third element of a broadcast, in the npm
// emitter's key order.
type broadcastOptions struct {
	Rooms  []string `json:"rooms"`
	Flags  value.V  `json:"flags"`
	Except []string `json:"except"`
}

func (p *pubsub) broadcast(ctx context.Context, nsp string, t target, data []any) error {
	msg, err := value.Marshal([]any{
		uid,
		value.Packet{Type: eventPacket, Data: value.V{Any: data}, Nsp: nsp},
		broadcastOptions{Rooms: nonNil(t.rooms), Flags: value.V{Any: t.flagsObject()}, Except: nonNil(t.except)},
	})
	if err != nil {
		return errorf("encode the broadcast of %q: %w", data[0], err)
	}
	channel := p.key + "#" + nsp + "#"
	if len(t.rooms) == 1 {
		channel += t.rooms[0] + "#" // the adapter subscribes to it only where the room exists
	}
	return p.publish(ctx, channel, msg)
}

func (p *pubsub) changeRooms(ctx context.Context, nsp string, t target, join bool, rooms []string) error {
	typ := requestRemoteLeave
	if join {
		typ = requestRemoteJoin
	}
	return p.request(ctx, nsp, object(
		"type", int64(typ),
		"opts", object("rooms", array(t.rooms), "except", array(t.except)),
		"rooms", array(rooms),
	))
}

func (p *pubsub) disconnect(ctx context.Context, nsp string, t target, close bool) error {
	return p.request(ctx, nsp, object(
		"type", int64(requestRemoteDisconnect),
		"opts", object("rooms", array(t.rooms), "except", array(t.except)),
		"close", close,
	))
}

func (p *pubsub) serverSideEmit(ctx context.Context, nsp string, data []any) error {
	return p.request(ctx, nsp, object(
		"uid", uid,
		"type", int64(requestServerSideEmit),
		"data", data,
	))
}

// request publishes req as JSON (as JSON.stringify writes it) on the
// namespace's request channel.
func (p *pubsub) request(ctx context.Context, nsp string, req *value.Map) error {
	msg, _, err := value.AppendJSON(nil, req, nil, false)
	if err != nil {
		return errorf("encode the request: %w", err)
	}
	return p.publish(ctx, p.key+"-request#"+nsp+"#", msg)
}

func (p *pubsub) publish(ctx context.Context, channel string, msg []byte) error {
	if err := p.client.Publish(ctx, channel, msg).Err(); err != nil {
		return errorf("publish to %s: %w", channel, err)
	}
	return nil
}

func nonNil(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return rooms
}
