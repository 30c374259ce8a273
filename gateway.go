package actorio

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/actorio/actorio/actors"
	"github.com/asynkron/protoactor-go/actor"
)

// Gateway is the actor that takes actormsg commands (Subscribe, Emit,
// EmitWithAck, Join, Leave, Disconnect, Watch, WatchRoom) and requests
// (RoomMembers, RoomSize, SocketRooms, FetchSockets) from actors of your
// own, named "<root>/gateway" under the server's root actor. It carries
// them out with the Go API, in the order each sender sent them; what waits
// on other servers or clients (EmitWithAck, FetchSockets) is answered
// later, never holding the gateway.
func (s *Server) Gateway() *actor.PID {
	s.gatewayOnce.Do(func() {
		props := actor.PropsFromProducer(func() actor.Actor { return &gateway{s: s} })
		// A command that panics the gateway (a value whose MarshalJSON
		// panics) is logged and counted by the root
		// (actorio_actor_failures_total{kind="gateway"}), and the gateway
		// restarted: it keeps no state, its PID stays, and the commands
		// queued behind the failed one are carried out.
		pid, err := s.engine.spawnChild(&actors.SpawnChild{Props: props, Name: "gateway", Kind: actors.KindGateway, Restart: true})
		if err != nil { // the server is closing: a gateway that never answers
			pid = actor.NewPID(s.engine.system.Address(), "closed")
		}
		s.gateway = pid
	})
	return s.gateway
}

type gateway struct{ s *Server }

// fetchTimeout bounds a FetchSockets request without its own timeout, as
// Node's adapters' requestsTimeout.
const fetchTimeout = 5 * time.Second

func (g *gateway) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actormsg.Subscribe:
		g.done(ctx, g.subscribe(m, true))
	case *actormsg.Unsubscribe:
		g.done(ctx, g.subscribe((*actormsg.Subscribe)(m), false))
	case *actormsg.Emit:
		g.done(ctx, g.emit(m))
	case *actormsg.EmitWithAck:
		g.emitWithAck(ctx, m)
	case *actormsg.Join:
		g.done(ctx, g.onSocket(m.Nsp, m.Socket, func(s *Socket) { s.Join(m.Rooms...) },
			func(b *BroadcastOperator) error { return b.SocketsJoin(m.Rooms...) }))
	case *actormsg.Leave:
		g.done(ctx, g.onSocket(m.Nsp, m.Socket, func(s *Socket) { s.Leave(m.Rooms...) },
			func(b *BroadcastOperator) error { return b.SocketsLeave(m.Rooms...) }))
	case *actormsg.Disconnect:
		g.done(ctx, g.onSocket(m.Nsp, m.Socket, func(s *Socket) { s.Disconnect(m.Close) },
			func(b *BroadcastOperator) error { return b.DisconnectSockets(m.Close) }))
	case *actormsg.Watch:
		who := g.watcher(ctx, m.Watcher)
		if who == nil {
			return
		}
		if sock := g.local(m.Nsp, m.Socket); sock == nil || !sock.watch(who) {
			g.s.notify(who, &actormsg.Ended{Socket: actormsg.Socket{Nsp: nspName(m.Nsp), ID: m.Socket}, Reason: "not connected"})
		}
	case *actormsg.WatchRoom:
		who := g.watcher(ctx, m.Watcher)
		if who == nil {
			return
		}
		if !g.s.Of(m.Nsp).watchRoom(m.Room, who) {
			g.s.notify(who, &actormsg.RoomEnded{Nsp: nspName(m.Nsp), Room: m.Room})
		}
	case *actormsg.RoomMembers:
		ids := []string{}
		for _, sock := range g.s.Of(m.Nsp).To(m.Room).localSockets() {
			ids = append(ids, sock.id)
		}
		ctx.Respond(&actormsg.RoomMembersReply{IDs: ids})
	case *actormsg.RoomSize:
		ctx.Respond(&actormsg.RoomSizeReply{Size: g.s.Of(m.Nsp).RoomSize(m.Room)})
	case *actormsg.SocketRooms:
		reply := &actormsg.SocketRoomsReply{}
		if sock := g.local(m.Nsp, m.Socket); sock != nil {
			reply.Rooms, reply.Found = sock.Rooms(), true
		}
		ctx.Respond(reply)
	case *actormsg.FetchSockets:
		g.fetchSockets(ctx, m)
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		g.s.actorsLog.Warn().Type("type", m).Msg("gateway: not an actormsg command, ignored")
		if ctx.Sender() != nil {
			ctx.Respond(&actormsg.Done{Command: m, Err: errors.New("actorio: the gateway does not take this message")})
		}
	}
}

// done answers a command sent with ctx.Request; a command sent with
// ctx.Send has its error logged instead, so none is lost unseen.
func (g *gateway) done(ctx actor.Context, err error) {
	if ctx.Sender() != nil {
		ctx.Respond(&actormsg.Done{Command: ctx.Message(), Err: err})
		return
	}
	if err != nil {
		g.s.actorsLog.Warn().Type("command", ctx.Message()).Err(err).Msg("gateway: command failed")
	}
}

// watcher is where a watch's notice goes: the actor the message names,
// else the sender of a Request. Neither is logged: the notice would be lost.
func (g *gateway) watcher(ctx actor.Context, named *actor.PID) *actor.PID {
	if named != nil {
		return named
	}
	if ctx.Sender() == nil {
		g.s.actorsLog.Warn().Type("command", ctx.Message()).Msg("gateway: a watch needs Watcher or ctx.Request")
	}
	return ctx.Sender()
}

// onSocket applies a command to one socket: directly when it is on this
// server, else through the cluster, as RemoteSocket does.
func (g *gateway) onSocket(nsp, id string, local func(*Socket), remote func(*BroadcastOperator) error) error {
	if id == "" {
		return actormsg.ErrNoSocket
	}
	if sock := g.local(nsp, id); sock != nil {
		local(sock)
		return nil
	}
	return remote(g.s.Of(nsp).To(id))
}

func (g *gateway) subscribe(m *actormsg.Subscribe, on bool) error {
	if m.Subscriber == nil {
		return errors.New("actorio: Subscribe needs a Subscriber")
	}
	n := g.s.Of(m.Nsp)
	if m.Socket == "" {
		if on {
			n.Subscribe(m.Subscriber)
		} else {
			n.Unsubscribe(m.Subscriber)
		}
		return nil
	}
	sock := g.local(m.Nsp, m.Socket)
	if sock == nil {
		return actormsg.ErrNoSocket
	}
	if on {
		sock.Subscribe(m.Subscriber)
	} else {
		sock.Unsubscribe(m.Subscriber)
	}
	return nil
}

// local finds a socket of this server.
func (g *gateway) local(nsp, id string) *Socket {
	if id == "" {
		return nil
	}
	for _, sock := range g.s.Of(nsp).To(id).localSockets() {
		if sock.id == id {
			return sock
		}
	}
	return nil
}

func (g *gateway) operator(m *actormsg.Emit) *BroadcastOperator {
	b := g.s.Of(m.Nsp).To(m.To...).Except(m.Except...)
	if m.Socket != "" {
		b = g.s.Of(m.Nsp).To(m.Socket)
	}
	if m.Volatile {
		b = b.Volatile()
	}
	if m.NoCompress {
		b = b.Compress(false)
	}
	if m.Local {
		b = b.Local()
	}
	return b
}

// emit is the Go API's: a socket of this server gets its own emit with the
// Volatile and NoCompress modifiers (its outgoing listeners and recovery
// apply), any other the cluster's route.
func (g *gateway) emit(m *actormsg.Emit) error {
	if m.Socket != "" {
		if sock := g.local(m.Nsp, m.Socket); sock != nil {
			return sock.emit(m.Event, m.Args, emitFlags{volatile: m.Volatile, noCompress: m.NoCompress})
		}
	}
	return g.operator(m).Emit(m.Event, m.Args...)
}

// emitWithAck waits for the answers off the gateway and sends them to
// ReplyTo, or answers the Request.
func (g *gateway) emitWithAck(ctx actor.Context, m *actormsg.EmitWithAck) {
	to := m.ReplyTo
	if to == nil {
		to = ctx.Sender()
	}
	if to == nil {
		g.s.actorsLog.Warn().Str("event", m.Event).Err(actormsg.ErrNoReplyTo).Msg("gateway: EmitWithAck not sent")
		return
	}
	b := g.operator(&m.Emit)
	if m.Timeout > 0 {
		b = b.Timeout(m.Timeout)
	}
	root := g.s.engine.system.Root
	go func() {
		answers, err := b.EmitWithAck(context.Background(), m.Event, m.Args...)
		out := make([]actormsg.Args, len(answers))
		for i, a := range answers {
			out[i] = a
		}
		root.Send(to, &actormsg.AckResult{Answers: out, Err: err})
	}()
}

func (g *gateway) fetchSockets(ctx actor.Context, m *actormsg.FetchSockets) {
	to := ctx.Sender()
	if to == nil {
		g.s.actorsLog.Warn().Msg("gateway: FetchSockets needs ctx.Request")
		return
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = fetchTimeout
	}
	b := g.s.Of(m.Nsp).To(m.Rooms...).Except(m.Except...)
	root := g.s.engine.system.Root
	go func() {
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		found, err := b.FetchSockets(c)
		reply := &actormsg.FetchSocketsReply{Err: err}
		for _, r := range found {
			data, _ := json.Marshal(r.Data)
			reply.Sockets = append(reply.Sockets, actormsg.SocketInfo{Socket: actormsg.Socket{Nsp: b.nsp.name, ID: r.ID}, Rooms: r.Rooms, Data: data})
		}
		root.Send(to, reply)
	}()
}

func nspName(name string) string {
	if name == "" || name[0] != '/' {
		return "/" + name
	}
	return name
}
