package main

// matchmaker pairs queued players into matches and routes each player's
// traffic to its match. It is subscribed to the namespace, so it hears
// every socket.
//
// Accepts:
//   - *actormsg.Connected: remembers the socket's name; a recovered socket
//     of a match is handed to that match.
//   - *actormsg.Event "queue": puts the socket in line (ack {"queued"}) and
//     spawns a match once MatchSize players wait; "input": handed to the
//     player's match, which acks it.
//   - *actormsg.Disconnected: takes a waiting socket out of line; a
//     player's is handed to its match, which holds it for the grace period.
//   - *playerLeft from a match, *actor.Terminated when a match ends.
// Sends: events to its matches (actors it spawns, one per match).
// Owns: the lobby (who waits, who plays in which match) and the names of
// connected sockets.

import (
	"encoding/json"
	"strings"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

type matchmaker struct {
	cfg     config
	gateway *actor.PID
	log     zerolog.Logger

	lobby   *lobby
	names   map[string]string     // socket id -> player name, while connected
	matches map[string]*actor.PID // match id -> its actor
}

func newMatchmaker(cfg config, gateway *actor.PID, log zerolog.Logger) *matchmaker {
	return &matchmaker{cfg: cfg, gateway: gateway, log: log, lobby: newLobby(cfg.MatchSize),
		names: map[string]string{}, matches: map[string]*actor.PID{}}
}

// matchmakerProps: a match that fails is stopped, not restarted with fresh
// state (its players would jump back to the start); its players are let
// go when it ends and may queue again.
func matchmakerProps(cfg config, gateway *actor.PID, log zerolog.Logger) *actor.Props {
	stopFailed := actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
		log.Error().Interface("reason", reason).Msg("match failed: stopped")
		return actor.StopDirective
	})
	// Every player's traffic comes through the matchmaker: a bounded
	// subscriber mailbox makes players wait (their reading paused) when it
	// falls behind, rather than let its backlog grow.
	return actor.PropsFromProducer(func() actor.Actor { return newMatchmaker(cfg, gateway, log) },
		actor.WithSupervisor(stopFailed), actor.WithMailbox(actorio.SubscriberMailbox(1024)))
}

func (m *matchmaker) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actormsg.Connected:
		m.names[msg.Socket.ID] = playerName(msg.Handshake.Auth)
		if msg.Recovered {
			m.toMatch(ctx, msg.Socket.ID, msg)
		}
	case *actormsg.Event:
		switch msg.Name {
		case "queue":
			m.queue(ctx, msg)
		case "input":
			if !m.toMatch(ctx, msg.Socket.ID, msg) {
				ack(m.log, msg, map[string]any{"error": errNotPlaying.Error()})
			}
		default:
			ack(m.log, msg, map[string]any{"error": "unknown event " + msg.Name})
		}
	case *actormsg.Disconnected:
		delete(m.names, msg.Socket.ID)
		if !m.lobby.cancel(msg.Socket.ID) {
			m.toMatch(ctx, msg.Socket.ID, msg)
		}
	case *playerLeft:
		m.lobby.left(msg.Socket)
	case *actor.Terminated:
		for id, pid := range m.matches {
			if pid.Equal(msg.Who) {
				delete(m.matches, id)
				m.lobby.endMatch(id)
			}
		}
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		m.log.Debug().Type("type", msg).Msg("unexpected message")
	}
}

// queue puts the sender in line and forms the matches that can be.
func (m *matchmaker) queue(ctx actor.Context, ev *actormsg.Event) {
	name, connected := m.names[ev.Socket.ID]
	if !connected { // its Connected always comes first: a bug if not
		m.log.Error().Str("sid", ev.Socket.ID).Msg("queue from an unknown socket")
		ack(m.log, ev, map[string]any{"queued": false, "error": "unknown socket"})
		return
	}
	if err := m.lobby.enqueue(seat{Socket: ev.Socket.ID, Name: name}); err != nil {
		ack(m.log, ev, map[string]any{"queued": false, "error": err.Error()})
		return
	}
	ack(m.log, ev, map[string]any{"queued": true})
	for {
		id, seats, ok := m.lobby.match()
		if !ok {
			return
		}
		props := actor.PropsFromProducer(func() actor.Actor { return newMatch(id, seats, m.cfg, m.gateway, m.log) })
		pid, err := ctx.SpawnNamed(props, "match-"+id)
		if err != nil { // the names are unique: a bug if not
			m.log.Error().Err(err).Str("match", id).Msg("match not spawned")
			m.lobby.endMatch(id)
			continue
		}
		m.matches[id] = pid
	}
}

// toMatch hands msg to the match socket plays in; false if it plays in none.
func (m *matchmaker) toMatch(ctx actor.Context, socket string, msg any) bool {
	pid := m.matches[m.lobby.matchOf(socket)]
	if pid == nil {
		return false
	}
	ctx.Send(pid, msg)
	return true
}

// playerName is the name a client connected with (auth {"name": ...}).
func playerName(auth json.RawMessage) string {
	var a struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(auth, &a) // anything else is no name
	return strings.TrimSpace(a.Name)
}

// ack answers ev if its client asked for an answer.
func ack(log zerolog.Logger, ev *actormsg.Event, answer any) {
	if !ev.Ack.Requested() {
		return
	}
	if err := ev.Ack.Send(answer); err != nil {
		log.Debug().Str("sid", ev.Socket.ID).Str("event", ev.Name).Err(err).Msg("ack not sent")
	}
}
