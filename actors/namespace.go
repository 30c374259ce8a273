package actors

// The namespace actor: one per namespace.
//
// Accepts: AddSocket, RemoveSocket, JoinRooms, LeaveRooms, Broadcast,
// SelectSockets, FindSocket, CountSockets, CountRoom, ListRooms,
// ListRoomMembers (exported, so embedding code can send them too).
// Sends: roomJoined, roomLeft and single-room broadcasts to its room actors
// (children it spawns when a room has two members and stops when it
// empties), with the excluded rooms turned into the socket ids to skip;
// shared frames to Sinks for broadcasts that span rooms, address every
// socket, a room of one, or expect acks.
// Owns: the socket registry and the room index (room -> members, socket ->
// rooms), so unions and exclusions are computed in one place.

import (
	"fmt"
	"time"

	"github.com/actorio/actorio/transport"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// AddSocket registers a connected socket and joins it to its own room (its
// id) and to Rooms (a recovered socket's).
type AddSocket struct {
	ID    string
	Sink  *Sink
	Rooms []string
	// Ref is the upper layer's handle on the socket, handed back by
	// SelectSockets and Broadcast.Before.
	Ref any
	// Preamble (the CONNECT reply, then a recovered socket's missed
	// packets) is delivered in the same turn as the registration: every
	// broadcast reaches the client after it, and none falls between.
	Preamble []*transport.Frames
	// Added, if set, is told once the socket is registered.
	Added chan<- struct{}
	// CatchUpAfter, for a socket restored from this namespace's recovery
	// store, is Restored.Through: the packets recorded since its restore
	// (while its middleware ran) that it was addressed by follow the
	// Preamble, so none falls between the restore and the registration.
	CatchUpAfter string
}

// RemoveSocket unregisters a socket and makes it leave every room. With
// Persist (and recovery on), its session is kept for a reconnection.
type RemoveSocket struct {
	ID      string
	Persist *PersistSession
}

// PersistSession is what a disconnected socket leaves for its recovery.
type PersistSession struct {
	PID  string
	Data any
}

// RestoreSession takes the session of PID if it can be recovered from
// Offset, with the packets it missed, in order. It does not register the
// socket: the upper layer sends the CONNECT reply and the missed packets
// first, then AddSocket with the rooms.
type RestoreSession struct {
	PID, Offset string
	Reply       chan<- Restored
}

// Restored answers RestoreSession.
type Restored struct {
	OK     bool
	ID     string
	Rooms  []string
	Data   any
	Missed []*transport.Frames
	// Through is the offset of the last packet the store held when Missed
	// was taken (AddSocket.CatchUpAfter); empty from a cluster store.
	Through string
}

// JoinRooms makes a socket join rooms.
type JoinRooms struct {
	ID    string
	Rooms []string
	// Done, if set, receives the size of the last room after joining.
	Done chan<- int
}

// LeaveRooms makes a socket leave rooms.
type LeaveRooms struct {
	ID    string
	Rooms []string
}

// Broadcast delivers frames to the sockets in any of Rooms (every socket of
// the namespace when Rooms is empty), except those in any of Except, each
// at most once.
type Broadcast struct {
	Frames   *transport.Frames
	Rooms    []string
	Except   []string
	Volatile bool
	// Count, if set, receives how many sockets the frames went to, once
	// every one of them has been handed the frames (so a sender that waits
	// for it sees its next unicast arrive after the broadcast).
	Count chan<- int
	// Before, if set, is called with each recipient's Ref just before its
	// delivery (to expect an ack from it). It runs in the namespace actor:
	// it must not block.
	Before func(ref any)
	// Offset, when recovery is on, records the packet for reconnecting
	// sockets under this offset.
	Offset string
}

// SelectSockets replies with the Refs of the sockets in any of Rooms (all
// when empty) and in none of Except, each once.
type SelectSockets struct {
	Rooms  []string
	Except []string
	Reply  chan<- []any
}

// FindSocket replies with the Ref of the socket with ID, nil if it is not
// registered here.
type FindSocket struct {
	ID    string
	Reply chan<- any
}

// ListRoomMembers replies with the ids of the sockets in Room (none if the
// room does not exist).
type ListRoomMembers struct {
	Room  string
	Reply chan<- []string
}

// CountSockets replies with the number of connected sockets.
type CountSockets struct{ Reply chan<- int }

// CountRoom replies with the number of sockets in Room.
type CountRoom struct {
	Room  string
	Reply chan<- int
}

// ListRooms replies with every room that has members, own rooms included.
type ListRooms struct{ Reply chan<- []string }

// RoomEvent kinds, as Node's adapter emits them.
const (
	RoomCreated = "create-room"
	RoomDeleted = "delete-room"
	RoomJoined  = "join-room"
	RoomLeft    = "leave-room"
)

// RoomEventFunc is told of room events (kind, room, socket id; no id for
// create and delete). It runs in the namespace actor: it must not block.
type RoomEventFunc func(kind, room, id string)

// NamespaceConfig configures a namespace actor.
type NamespaceConfig struct {
	Name   string
	Logger zerolog.Logger
	// OnRoom, if set, is told of room events.
	OnRoom RoomEventFunc
	// Recovery > 0 keeps packets and sessions that long for connection
	// state recovery.
	Recovery time.Duration
	// Stats counts room failures; nil: not counted.
	Stats *Stats
	// Dispatcher runs the mailboxes of the namespace and its rooms; nil:
	// protoactor's default, a new goroutine per burst of messages (whose
	// stack grows again in every broadcast).
	Dispatcher actor.Dispatcher
}

// NewNamespaceProps returns the props of a namespace actor. Its rooms are
// its children, supervised by the namespace itself (HandleFailure).
func NewNamespaceProps(cfg NamespaceConfig) *actor.Props {
	if cfg.OnRoom == nil {
		cfg.OnRoom = func(string, string, string) {}
	}
	var opts []actor.PropsOption
	if cfg.Dispatcher != nil {
		opts = append(opts, actor.WithDispatcher(cfg.Dispatcher))
	}
	return actor.PropsFromProducer(func() actor.Actor {
		a := &namespaceActor{name: cfg.Name, logger: cfg.Logger, onRoom: cfg.OnRoom, stats: cfg.Stats, sockets: map[string]*member{}, rooms: map[string]*room{}}
		a.propsOpts = opts
		if cfg.Recovery > 0 {
			a.recovery = newRecoveryStore(cfg.Recovery)
		}
		return a
	}, opts...)
}

type member struct {
	id   string
	sink *Sink
	ref  any
	// rooms are the rooms it is in besides its own (named id), which every
	// member is in: nil until it joins one, as most sockets never do.
	rooms map[string]struct{}
	// seen is the generation of the last walk (each) that visited or
	// excluded this socket: de-duplication without a set per broadcast.
	seen uint64
}

type room struct {
	pid *actor.PID // nil until the room has two members
	// The members: a room of one (every socket's own room) keeps it in one,
	// without a map; a larger room keeps them all in many.
	one  *member
	many map[string]*member
}

func (r *room) size() int {
	if r.many != nil {
		return len(r.many)
	}
	if r.one != nil {
		return 1
	}
	return 0
}

func (r *room) get(id string) *member {
	if r.many != nil {
		return r.many[id]
	}
	if r.one != nil && r.one.id == id {
		return r.one
	}
	return nil
}

// add adds s, which is not a member.
func (r *room) add(s *member) {
	switch {
	case r.many != nil:
		r.many[s.id] = s
	case r.one == nil:
		r.one = s
	default:
		r.many = map[string]*member{r.one.id: r.one, s.id: s}
		r.one = nil
	}
}

func (r *room) remove(id string) {
	if r.many != nil {
		delete(r.many, id)
		return
	}
	if r.one != nil && r.one.id == id {
		r.one = nil
	}
}

// members iterates over the members; the loop must not add or remove any.
func (r *room) members(yield func(string, *member) bool) {
	if r.many == nil {
		if r.one != nil {
			yield(r.one.id, r.one)
		}
		return
	}
	for id, s := range r.many {
		if !yield(id, s) {
			return
		}
	}
}

type namespaceActor struct {
	name      string
	logger    zerolog.Logger
	onRoom    RoomEventFunc
	stats     *Stats
	propsOpts []actor.PropsOption // its rooms' (their dispatcher)
	sockets   map[string]*member
	rooms     map[string]*room
	gen       uint64 // numbers the walks of each
	tally     tally  // a broadcast's deliveries, added to Stats once
	// recovery is nil unless connection state recovery is on.
	recovery *recoveryStore
}

func (n *namespaceActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Broadcast:
		if m.Offset != "" && n.recovery != nil {
			n.recovery.record(m.Offset, m.Frames, m.Rooms, m.Except, time.Now())
		}
		n.broadcast(ctx, m)
	case *AddSocket:
		for _, f := range m.Preamble {
			m.Sink.Deliver(f, false)
		}
		if m.CatchUpAfter != "" && n.recovery != nil {
			for _, f := range n.recovery.since(m.CatchUpAfter, append([]string{m.ID}, m.Rooms...)) {
				m.Sink.Deliver(f, false)
			}
		}
		n.sockets[m.ID] = &member{id: m.ID, sink: m.Sink, ref: m.Ref}
		n.join(ctx, m.ID, m.ID)
		for _, r := range m.Rooms {
			n.join(ctx, m.ID, r)
		}
		n.logger.Debug().Str("nsp", n.name).Str("sid", m.ID).Int("rooms", len(m.Rooms)).Msg("socket added")
		if m.Added != nil {
			m.Added <- struct{}{}
		}
	case *RemoveSocket:
		if s, ok := n.sockets[m.ID]; ok {
			if m.Persist != nil && n.recovery != nil {
				rooms := make([]string, 0, 1+len(s.rooms))
				rooms = append(rooms, m.ID)
				for r := range s.rooms {
					rooms = append(rooms, r)
				}
				n.recovery.persist(m.Persist.PID, m.ID, rooms, m.Persist.Data, time.Now())
			}
			for r := range s.rooms {
				n.leave(ctx, m.ID, r)
			}
			n.leave(ctx, m.ID, m.ID)
			delete(n.sockets, m.ID)
			n.logger.Debug().Str("nsp", n.name).Str("sid", m.ID).Bool("persisted", m.Persist != nil && n.recovery != nil).Msg("socket removed")
		}
	case *RestoreSession:
		var out Restored
		if n.recovery != nil {
			if s, missed, ok := n.recovery.restore(m.PID, m.Offset, time.Now()); ok {
				out = Restored{OK: true, ID: s.id, Rooms: s.rooms, Data: s.data, Missed: missed, Through: n.recovery.last()}
			}
		}
		m.Reply <- out
	case *JoinRooms:
		size := 0
		for _, r := range m.Rooms {
			size = n.join(ctx, m.ID, r)
		}
		if m.Done != nil {
			m.Done <- size
		}
	case *LeaveRooms:
		for _, r := range m.Rooms {
			n.leave(ctx, m.ID, r)
		}
	case *SelectSockets:
		var refs []any
		n.each(m.Rooms, m.Except, func(s *member) { refs = append(refs, s.ref) })
		m.Reply <- refs
	case *FindSocket:
		var ref any
		if s, ok := n.sockets[m.ID]; ok {
			ref = s.ref
		}
		m.Reply <- ref
	case *ListRoomMembers:
		var ids []string
		if r, ok := n.rooms[m.Room]; ok {
			ids = make([]string, 0, r.size())
			for id := range r.members {
				ids = append(ids, id)
			}
		}
		m.Reply <- ids
	case *CountSockets:
		m.Reply <- len(n.sockets)
	case *CountRoom:
		size := 0
		if r, ok := n.rooms[m.Room]; ok {
			size = r.size()
		}
		m.Reply <- size
	case *ListRooms:
		names := make([]string, 0, len(n.rooms))
		for name := range n.rooms {
			names = append(names, name)
		}
		m.Reply <- names
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting, *actor.Terminated:
		// lifecycle, and room children stopping after their last member left
	default:
		n.logger.Debug().Str("nsp", n.name).Type("type", m).Msg("unexpected message")
	}
}

// join returns the room's size after the join; a socket that is not
// registered (it left already) joins nothing.
func (n *namespaceActor) join(ctx actor.Context, id, name string) int {
	s, ok := n.sockets[id]
	if !ok {
		return 0
	}
	r, ok := n.rooms[name]
	if !ok {
		r = &room{}
		n.rooms[name] = r
		n.onRoom(RoomCreated, name, "")
	}
	if r.get(id) != nil {
		return r.size()
	}
	r.add(s)
	if name != id {
		if s.rooms == nil {
			s.rooms = map[string]struct{}{}
		}
		s.rooms[name] = struct{}{}
	}
	switch {
	case r.pid != nil:
		ctx.Send(r.pid, &roomJoined{id: id, sink: s.sink})
	case r.size() >= 2:
		// A room gets its actor once it has two members: every socket's own
		// room, and any room of one, is delivered by the namespace itself,
		// which saves an actor per connection. Everything sent to the room
		// so far was delivered synchronously, so order holds.
		n.spawnRoom(ctx, name, r)
	}
	n.onRoom(RoomJoined, name, id)
	return r.size()
}

func (n *namespaceActor) leave(ctx actor.Context, id, name string) {
	r, ok := n.rooms[name]
	if !ok {
		return
	}
	if r.get(id) == nil {
		return
	}
	r.remove(id)
	if s, ok := n.sockets[id]; ok {
		delete(s.rooms, name)
	}
	n.onRoom(RoomLeft, name, id)
	if r.size() == 0 {
		if r.pid != nil {
			// Poison, not Stop: it is handled after what is already queued.
			ctx.Poison(r.pid)
		}
		delete(n.rooms, name)
		n.onRoom(RoomDeleted, name, "")
		return
	}
	if r.pid != nil {
		ctx.Send(r.pid, &roomLeft{id: id})
	}
}

func (n *namespaceActor) broadcast(ctx actor.Context, m *Broadcast) {
	if len(m.Rooms) == 1 && m.Before == nil {
		// The hot path, socket.To(room).Emit included: the room actor walks
		// its own members, skipping those excluded by id, and reports. A
		// room of one (a socket's own) has no actor and goes below.
		if r, ok := n.rooms[m.Rooms[0]]; ok && r.pid != nil {
			ctx.Send(r.pid, &roomBroadcast{frames: m.Frames, volatile: m.Volatile, except: n.exceptIDs(m.Except), done: m.Count})
			return
		}
	}
	count := 0
	defer func() {
		// A failing Before or Deliver still leaves the counters right.
		n.tally.flush(m.Frames)
	}()
	n.each(m.Rooms, m.Except, func(s *member) {
		if m.Before != nil {
			m.Before(s.ref)
		}
		s.sink.deliver(m.Frames, m.Volatile, &n.tally)
		count++
	})
	if m.Count != nil {
		m.Count <- count
	}
}

// exceptIDs returns the ids of the sockets in any of the except rooms, for
// a room actor to skip. The common case, rooms that are each a socket's
// own room and nothing more (the sender's), returns except itself.
func (n *namespaceActor) exceptIDs(except []string) []string {
	own := true
	for _, name := range except {
		r := n.rooms[name]
		if r == nil || r.size() != 1 || r.get(name) == nil {
			own = false
			break
		}
	}
	if own {
		return except
	}
	var ids []string
	for _, name := range except {
		if r, ok := n.rooms[name]; ok {
			for id := range r.members {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// each calls f once for every socket in any of rooms (every socket when
// rooms is empty) and in none of except: the one place where unions and
// exclusions are computed. Sockets are marked with the walk's generation
// instead of collected in a set; f must not start another walk.
func (n *namespaceActor) each(rooms, except []string, f func(s *member)) {
	n.gen++
	gen := n.gen
	for _, name := range except {
		if r, ok := n.rooms[name]; ok {
			for _, s := range r.members {
				s.seen = gen
			}
		}
	}
	switch {
	case len(rooms) == 0:
		for _, s := range n.sockets {
			if s.seen != gen {
				f(s)
			}
		}
	case len(rooms) == 1:
		// One room lists each member once: nothing to de-duplicate.
		if r, ok := n.rooms[rooms[0]]; ok {
			for _, s := range r.members {
				if s.seen != gen {
					f(s)
				}
			}
		}
	default:
		for _, name := range rooms {
			if r, ok := n.rooms[name]; ok {
				for _, s := range r.members {
					if s.seen != gen {
						s.seen = gen
						f(s)
					}
				}
			}
		}
	}
}

// spawnRoom starts r's actor and tells it every member, from the index.
func (n *namespaceActor) spawnRoom(ctx actor.Context, name string, r *room) {
	r.pid = ctx.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return newRoomActor(name, n.logger)
	}, n.propsOpts...))
	for id, s := range r.members {
		ctx.Send(r.pid, &roomJoined{id: id, sink: s.sink})
	}
}

// HandleFailure supervises the rooms. A room whose actor fails loses
// nothing but the message it failed on (whose sender was answered): it is
// resumed, not stopped, because a stopped actor would silently drop what
// the namespace has already sent it; and its member list is rebuilt from
// the namespace's index, which owns the membership. Any other child is
// stopped.
func (n *namespaceActor) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	for name, r := range n.rooms {
		if r.pid == nil || !r.pid.Equal(child) {
			continue
		}
		n.stats.failure(KindRoom)
		n.logger.Error().Str("nsp", n.name).Str("room", name).Int("members", r.size()).
			Str("panic", fmt.Sprint(reason)).Type("message", message).Msg("room actor failed, rebuilt from the namespace index")
		members := make(map[string]*Sink, r.size())
		for id, s := range r.members {
			members[id] = s.sink
		}
		// The reset goes after what the namespace already sent the room,
		// which the index reflects too.
		sup.(actor.SenderContext).Send(child, &roomReset{members: members})
		sup.ResumeChildren(child)
		return
	}
	sup.StopChildren(child)
}
