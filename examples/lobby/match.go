package main

// match runs one match: it owns the room "match:<id>" and the game.
//
// Accepts:
//   - *actor.Started: asks the gateway to join its players to the room;
//     once they are in, tells each it is matched and starts the clock.
//   - *actormsg.Event "input" of one of its players (routed by the
//     matchmaker): queued for the next tick and acked with that tick.
//   - *actormsg.Disconnected of a player: held for the grace period.
//   - *actormsg.Connected of a player, Recovered: plays on.
//   - *tickDue: its clock's timer fired.
// Sends the gateway actormsg.Join and actormsg.Emit (matched, state, left),
// its parent (the matchmaker) a *playerLeft per player removed.
// Owns: the game state and the tick schedule. It stops when its last
// player is gone.

import (
	"time"

	"github.com/actorio/actorio/actormsg"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// joinTimeout bounds the wait for the gateway to put a player in the room.
const joinTimeout = 5 * time.Second

// tickDue is sent by a match's timer: a tick may be due.
type tickDue struct{}

// playerLeft tells the matchmaker a match let a player go.
type playerLeft struct{ Socket string }

// matched is what each player is told when its match is formed.
type matched struct {
	Match   string   `json:"match"`
	Room    string   `json:"room"`
	Players []string `json:"players"`
	You     int      `json:"you"`
}

type match struct {
	id, room string
	cfg      config
	gateway  *actor.PID
	log      zerolog.Logger

	seats   []seat
	game    *game
	joining int       // joins not answered yet; the clock starts at zero
	sched   *schedule // nil until the clock starts
	timer   *time.Timer
}

func newMatch(id string, seats []seat, cfg config, gateway *actor.PID, log zerolog.Logger) *match {
	return &match{id: id, room: "match:" + id, cfg: cfg, gateway: gateway, seats: seats, game: newGame(seats),
		log: log.With().Str("match", id).Logger()}
}

func (m *match) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		m.joinAll(ctx)
	case *actormsg.Event:
		m.input(msg)
	case *actormsg.Disconnected:
		if m.game.drop(msg.Socket.ID, time.Now().Add(m.cfg.Grace)) {
			m.log.Debug().Str("sid", msg.Socket.ID).Str("reason", msg.Reason).Msg("player held")
		}
	case *actormsg.Connected:
		if msg.Recovered && m.game.back(msg.Socket.ID) {
			m.log.Debug().Str("sid", msg.Socket.ID).Msg("player back")
			// Recovery restores its rooms; joining again covers a join
			// that failed because it had just dropped.
			ctx.Send(m.gateway, &actormsg.Join{Nsp: m.cfg.Nsp, Socket: msg.Socket.ID, Rooms: []string{m.room}})
		}
	case *tickDue:
		m.tick(ctx)
	case *actor.Stopping:
		if m.timer != nil {
			m.timer.Stop()
		}
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		m.log.Debug().Type("type", msg).Msg("unexpected message")
	}
}

// joinAll puts every player in the room, then starts the match: a player
// is in the room before the first snapshot goes to it.
func (m *match) joinAll(ctx actor.Context) {
	m.joining = len(m.seats)
	for _, s := range m.seats {
		f := ctx.RequestFuture(m.gateway, &actormsg.Join{Nsp: m.cfg.Nsp, Socket: s.Socket, Rooms: []string{m.room}}, joinTimeout)
		ctx.ReenterAfter(f, func(res any, err error) {
			if done, ok := res.(*actormsg.Done); ok && err == nil {
				err = done.Err
			}
			if err != nil {
				// Dropped since it was matched: its Disconnected is on the
				// way, and a recovered reconnection joins it again.
				m.log.Info().Str("sid", s.Socket).Err(err).Msg("player not joined to the room")
			}
			if m.joining--; m.joining == 0 {
				m.start(ctx)
			}
		})
	}
}

func (m *match) start(ctx actor.Context) {
	names := make([]string, len(m.seats))
	for i, s := range m.seats {
		names[i] = s.Name
	}
	for i, s := range m.seats {
		ctx.Send(m.gateway, &actormsg.Emit{Nsp: m.cfg.Nsp, Socket: s.Socket, Event: "matched",
			Args: []any{matched{Match: m.id, Room: m.room, Players: names, You: i}}})
	}
	now := time.Now()
	m.sched = newSchedule(now, m.cfg.Period)
	m.log.Info().Int("players", len(m.seats)).Msg("match started")
	m.arm(ctx, now)
}

// input queues a player's move and acks it with the tick it applies at.
func (m *match) input(ev *actormsg.Event) {
	var in input
	if err := ev.Args.Decode(0, &in); err != nil {
		ack(m.log, ev, map[string]any{"error": "input: " + err.Error()})
		return
	}
	if err := m.game.queue(ev.Socket.ID, in); err != nil {
		ack(m.log, ev, map[string]any{"seq": in.Seq, "error": err.Error()})
		return
	}
	tick := 1 // before the clock starts, the first tick
	if m.sched != nil {
		tick = m.sched.applyAt(time.Now())
	}
	ack(m.log, ev, map[string]any{"seq": in.Seq, "tick": tick})
}

// tick runs the tick due, if any, and sets the timer for the next one.
func (m *match) tick(ctx actor.Context) {
	now := time.Now()
	tick, ok := m.sched.due(now)
	if ok {
		for _, s := range m.game.expire(now) {
			m.log.Debug().Str("sid", s.Socket).Msg("player left")
			ctx.Send(m.gateway, &actormsg.Emit{Nsp: m.cfg.Nsp, To: []string{m.room}, Event: "left", Args: []any{map[string]string{"name": s.Name}}})
			ctx.Send(ctx.Parent(), &playerLeft{Socket: s.Socket})
		}
		if m.game.empty() {
			m.log.Info().Int("tick", tick).Msg("match ended")
			ctx.Stop(ctx.Self())
			return
		}
		ctx.Send(m.gateway, &actormsg.Emit{Nsp: m.cfg.Nsp, To: []string{m.room}, Event: "state", Args: []any{m.game.step(tick, now)}})
	}
	m.arm(ctx, now)
}

// arm sets the timer for the next tick. The timer runs outside the actor,
// so it only sends a message.
func (m *match) arm(ctx actor.Context, now time.Time) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	m.timer = time.AfterFunc(m.sched.wait(now), func() { root.Send(self, &tickDue{}) })
}
