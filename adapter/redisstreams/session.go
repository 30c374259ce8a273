package redisstreams

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/streamwire"
	"github.com/actorio/actorio/internal/value"
	"github.com/actorio/actorio/protocol/sio"
)

// maxRestoreReads bounds the XRANGE calls of one restore, as Node's
// RESTORE_SESSION_MAX_XRANGE_CALLS: entries added faster than they are
// read must not keep a restore looping.
const maxRestoreReads = 100

// offsetPattern is a stream entry id, the only offset a restore accepts.
var offsetPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// Errors of RestoreSession.
var (
	ErrInvalidOffset   = errors.New("redisstreams: invalid offset")
	ErrSessionNotFound = errors.New("redisstreams: session or offset not found")
)

// BroadcastOffset publishes a broadcast and returns its stream entry id,
// which the server appends to the packet for its own clients.
func (a *Adapter) BroadcastOffset(ctx context.Context, p *sio.Packet, opts adapter.BroadcastOptions) (string, error) {
	return a.core.BroadcastOffset(ctx, p, opts)
}

// PersistSession stores a disconnected socket's session as Node does: SET
// "<SessionKeyPrefix><pid>" base64(msgpack({sid, pid, rooms, data})) PX
// the server's recovery duration.
func (a *Adapter) PersistSession(ctx context.Context, s adapter.Session) error {
	l, err := a.local()
	if err != nil {
		return err
	}
	ttl := l.RecoveryDuration()
	if ttl <= 0 {
		return errors.New("redisstreams: persist session: connection state recovery is off")
	}
	data, err := sessionData(s.Data)
	if err != nil {
		return fmt.Errorf("redisstreams: persist session: data: %w", err)
	}
	rooms := make([]any, len(s.Rooms))
	for i, r := range s.Rooms {
		rooms[i] = r
	}
	v := &value.Map{}
	v.Set("sid", s.SID)
	v.Set("pid", s.PID)
	v.Set("rooms", rooms)
	v.Set("data", data)
	b, err := value.MarshalAny(v)
	if err != nil {
		return fmt.Errorf("redisstreams: persist session: %w", err)
	}
	err = a.client.Do(ctx, "SET", a.opts.SessionKeyPrefix+s.PID, base64.StdEncoding.EncodeToString(b), "PX", ttl.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redisstreams: persist session: %w", err)
	}
	return nil
}

// sessionData is a socket's data as Node keeps it: none is Node's default,
// an empty object.
func sessionData(j []byte) (any, error) {
	if len(j) == 0 || string(j) == "null" {
		return &value.Map{}, nil
	}
	return value.ParseJSON(j, nil, false)
}

// RestoreSession takes the session of pid (GETDEL: once) if the offset is
// still in the stream, and reads from the stream the broadcasts of
// namespace nsp after it that the session's rooms match, each with its
// entry id appended, as Node's restoreSession.
func (a *Adapter) RestoreSession(ctx context.Context, nsp, pid, offset string) (*adapter.Session, error) {
	l, err := a.local()
	if err != nil {
		return nil, err
	}
	if !offsetPattern.MatchString(offset) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidOffset, offset)
	}
	stream := a.opts.streamName(nsp)
	var get *goredis.StringCmd
	var at *goredis.XMessageSliceCmd
	_, err = a.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.GetDel(ctx, a.opts.SessionKeyPrefix+pid)
		at = p.XRange(ctx, stream, offset, offset)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redisstreams: restore session: %w", err)
	}
	raw, gerr := get.Result()
	entries, xerr := at.Result()
	if errors.Is(gerr, goredis.Nil) || xerr != nil || len(entries) == 0 {
		return nil, ErrSessionNotFound
	}
	sess, err := decodeSession(raw)
	if err != nil {
		return nil, err
	}
	for range maxRestoreReads {
		next, err := nextOffset(offset)
		if err != nil {
			return nil, err
		}
		entries, err := a.client.XRange(ctx, stream, next, "+").Result()
		if err != nil {
			return nil, fmt.Errorf("redisstreams: restore session: %w", err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			offset = e.ID
			if e.Values["nsp"] != nsp || e.Values["type"] != "3" {
				continue
			}
			m, err := streamwire.Decode(e.Values)
			if err != nil {
				continue
			}
			packet, opts, _, err := cluster.BroadcastOf(m.Data)
			if err != nil || !shouldInclude(sess.Rooms, opts) {
				continue
			}
			p, err := cluster.PacketSIO(l.Format(), packet, nsp, e.ID)
			if err != nil {
				continue
			}
			sess.Missed = append(sess.Missed, p)
		}
	}
	return sess, nil
}

// decodeSession reads a stored session, Node's or ours.
func decodeSession(raw string) (*adapter.Session, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("redisstreams: session: %w", err)
	}
	v, err := value.UnmarshalAny(b)
	if err != nil {
		return nil, fmt.Errorf("redisstreams: session: %w", err)
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("redisstreams: session is %T, not an object", v)
	}
	s := &adapter.Session{}
	if x, _ := m.Get("sid"); x != nil {
		s.SID, _ = x.(string)
	}
	if x, _ := m.Get("pid"); x != nil {
		s.PID, _ = x.(string)
	}
	if s.SID == "" {
		return nil, errors.New("redisstreams: session without sid")
	}
	if x, _ := m.Get("rooms"); x != nil {
		rooms, ok := x.([]any)
		if !ok {
			return nil, fmt.Errorf("redisstreams: session rooms are %T", x)
		}
		for _, r := range rooms {
			if r, ok := r.(string); ok {
				s.Rooms = append(s.Rooms, r)
			}
		}
	}
	data, _ := m.Get("data")
	if s.Data, _, err = value.AppendJSON(nil, data, nil, false); err != nil {
		return nil, fmt.Errorf("redisstreams: session data: %w", err)
	}
	return s, nil
}

// nextOffset is the id after offset, as Node's nextOffset (for Redis
// before exclusive ranges).
func nextOffset(offset string) (string, error) {
	ts, seq, ok := strings.Cut(offset, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil {
		return "", fmt.Errorf("%w: %q", ErrInvalidOffset, offset)
	}
	return ts + "-" + strconv.FormatUint(n+1, 10), nil
}

// shouldInclude is Node's shouldIncludePacket: the broadcast addressed one
// of the session's rooms (or everyone), and excluded none of them.
func shouldInclude(rooms []string, opts adapter.BroadcastOptions) bool {
	included := len(opts.Rooms) == 0
	for _, r := range rooms {
		for _, x := range opts.Except {
			if r == x {
				return false
			}
		}
		if !included {
			for _, want := range opts.Rooms {
				if r == want {
					included = true
				}
			}
		}
	}
	return included
}
