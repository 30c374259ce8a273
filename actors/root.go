package actors

// The root actor: one per server, named, the parent of the server's sessions
// and namespaces (rooms are children of their namespace).
//
// Accepts: SpawnChild (start a session or namespace under the root), and
// the lifecycle messages of its children.
// Sends: nothing but the replies to SpawnChild.
// Owns: the supervision of its children. A child that fails is stopped,
// never restarted with its state wiped (protoactor's default), and its
// failure is reported once, to the callback its SpawnChild carried; only a
// child that keeps no state (Restart: the gateway) is restarted, with the
// same PID and the rest of its mailbox.
// Stopping the root stops the whole tree.

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// SpawnChild starts Props under the root as Name (empty: a generated
// name) and replies on Reply. Failed, if set, is called in the root actor
// when the child fails, after it was told to stop: it must not block.
type SpawnChild struct {
	Props *actor.Props
	// Actor, when set instead of Props, is spawned as it is, with props
	// the root shares among all such children: an actor made before it is
	// spawned (a session) then holds no props of its own (~250 B).
	Actor  actor.Actor
	Name   string
	Kind   string // KindSession or KindNamespace, as failures are counted
	Failed func(reason any)
	// Restart makes a failure restart the child rather than stop it: for
	// an actor without state, whose PID others hold.
	Restart bool
	Reply   chan<- SpawnResult
}

// SpawnResult answers SpawnChild.
type SpawnResult struct {
	PID *actor.PID
	Err error
}

// RootConfig configures a root actor.
type RootConfig struct {
	Logger zerolog.Logger
	Stats  *Stats // counts failures; nil: not counted
	// SessionDispatcher runs the mailboxes of children spawned from
	// SpawnChild.Actor (sessions); nil: protoactor's default, a goroutine
	// per burst of messages.
	SessionDispatcher actor.Dispatcher
}

// Child kinds, as failures are counted.
const (
	KindSession   = "session"
	KindNamespace = "namespace"
	KindRoom      = "room"
	KindGateway   = "gateway"
)

type rootActor struct {
	cfg RootConfig
	// children are the children that are not plain sessions, by id, for
	// their failure: a child missing here is a session without a Failed
	// callback, the one kind there are thousands of.
	children map[string]child
	// shared are the props of every child spawned from SpawnChild.Actor:
	// their producer returns next, set just before the spawn, which calls
	// it synchronously (protoactor never calls it again: the root stops a
	// failed child, it does not restart it). Their mailbox is the
	// lock-free list: an idle session holds two empty lists (~80 B) where
	// the default ring holds ~340 B, and keeps at its peak size after a
	// burst; the price is a 24 B node per message.
	shared *actor.Props
	next   actor.Actor
}

// child is what the root keeps of a SpawnChild: not the message itself,
// whose props and reply channel would stay alive as long as the child.
type child struct {
	kind    string
	failed  func(reason any)
	restart bool
}

// NewRootProps returns the props of a server's root actor.
func NewRootProps(cfg RootConfig) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		r := &rootActor{cfg: cfg, children: map[string]child{}}
		opts := []actor.PropsOption{actor.WithMailbox(actor.UnboundedLockfree())}
		if cfg.SessionDispatcher != nil {
			opts = append(opts, actor.WithDispatcher(cfg.SessionDispatcher))
		}
		r.shared = actor.PropsFromProducer(func() actor.Actor {
			a := r.next
			r.next = nil
			return a
		}, opts...)
		return r
	})
}

func (r *rootActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *SpawnChild:
		var pid *actor.PID
		var err error
		props := m.Props
		if m.Actor != nil {
			props, r.next = r.shared, m.Actor
		}
		if m.Name == "" {
			pid = ctx.Spawn(props)
		} else {
			pid, err = ctx.SpawnNamed(props, m.Name)
		}
		r.next = nil // not taken when the name exists
		if err == nil && (m.Kind != KindSession || m.Failed != nil) {
			r.children[pid.Id] = child{kind: m.Kind, failed: m.Failed, restart: m.Restart}
		}
		m.Reply <- SpawnResult{PID: pid, Err: err}
	case *actor.Terminated:
		delete(r.children, m.Who.Id)
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		r.cfg.Logger.Debug().Type("type", m).Msg("unexpected message")
	}
}

// HandleFailure makes the root its children's supervisor: the failing
// child is stopped (or restarted, if it asked) and its owner told, loudly.
func (r *rootActor) HandleFailure(_ *actor.ActorSystem, supervisor actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	c, ok := r.children[child.Id]
	if !ok {
		c.kind = KindSession
	}
	outcome := "actor failed, stopped"
	if c.restart {
		// The message that failed is lost; the ones after it are kept.
		supervisor.RestartChildren(child)
		outcome = "actor failed, restarted"
	} else {
		supervisor.StopChildren(child)
	}
	r.cfg.Stats.failure(c.kind)
	r.cfg.Logger.Error().Str("actor", child.Id).Str("kind", c.kind).Str("panic", fmt.Sprint(reason)).Type("message", message).Msg(outcome)
	if c.failed != nil {
		c.failed(reason)
	}
}
