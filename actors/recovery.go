package actors

import (
	"slices"
	"time"

	"github.com/actorio/actorio/transport"
)

// recoveryStore keeps what connection state recovery needs, as Node's
// session-aware in-memory adapter: every recorded packet with its offset and
// addressing, and the sessions of sockets that disconnected for a
// recoverable reason, each for maxDisconnectionDuration. The namespace actor
// owns it; it is plain state so its expiry can be tested in fake time.
type recoveryStore struct {
	max      time.Duration
	packets  []storedPacket
	sessions map[string]*storedSession // by pid
}

type storedPacket struct {
	offset        string
	at            time.Time
	frames        *transport.Frames
	rooms, except []string
}

type storedSession struct {
	id    string
	rooms []string
	data  any
	at    time.Time
}

func newRecoveryStore(max time.Duration) *recoveryStore {
	return &recoveryStore{max: max, sessions: map[string]*storedSession{}}
}

func (r *recoveryStore) record(offset string, f *transport.Frames, rooms, except []string, now time.Time) {
	r.prune(now)
	r.packets = append(r.packets, storedPacket{offset: offset, at: now, frames: f, rooms: rooms, except: except})
}

func (r *recoveryStore) persist(pid, id string, rooms []string, data any, now time.Time) {
	r.prune(now)
	r.sessions[pid] = &storedSession{id: id, rooms: rooms, data: data, at: now}
}

// restore takes the session of pid and the packets it missed after offset,
// in order. It fails when the session expired or is unknown, or when offset
// is no longer (or never was) in the buffer.
func (r *recoveryStore) restore(pid, offset string, now time.Time) (*storedSession, []*transport.Frames, bool) {
	r.prune(now)
	s, ok := r.sessions[pid]
	if !ok {
		return nil, nil, false
	}
	i := slices.IndexFunc(r.packets, func(p storedPacket) bool { return p.offset == offset })
	if i < 0 {
		return nil, nil, false
	}
	delete(r.sessions, pid)
	var missed []*transport.Frames
	for _, p := range r.packets[i+1:] {
		if addressed(s.rooms, p.rooms, p.except) {
			missed = append(missed, p.frames)
		}
	}
	return s, missed, true
}

// last is the offset of the newest recorded packet, "" when none is.
func (r *recoveryStore) last() string {
	if len(r.packets) == 0 {
		return ""
	}
	return r.packets[len(r.packets)-1].offset
}

// since returns the packets recorded after offset that a socket in rooms
// was addressed by, in order; none when offset is no longer held.
func (r *recoveryStore) since(offset string, rooms []string) []*transport.Frames {
	i := slices.IndexFunc(r.packets, func(p storedPacket) bool { return p.offset == offset })
	if i < 0 {
		return nil
	}
	var out []*transport.Frames
	for _, p := range r.packets[i+1:] {
		if addressed(rooms, p.rooms, p.except) {
			out = append(out, p.frames)
		}
	}
	return out
}

// addressed reports whether a socket in rooms was a recipient.
func addressed(rooms, to, except []string) bool {
	for _, e := range except {
		if slices.Contains(rooms, e) {
			return false
		}
	}
	if len(to) == 0 {
		return true
	}
	for _, t := range to {
		if slices.Contains(rooms, t) {
			return true
		}
	}
	return false
}

// prune drops what is older than max.
func (r *recoveryStore) prune(now time.Time) {
	cutoff := now.Add(-r.max)
	i := 0
	for i < len(r.packets) && r.packets[i].at.Before(cutoff) {
		i++
	}
	if i > 0 {
		r.packets = slices.Delete(r.packets, 0, i)
	}
	for pid, s := range r.sessions {
		if s.at.Before(cutoff) {
			delete(r.sessions, pid)
		}
	}
}
