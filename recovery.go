package actorio

import (
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/protocol/sio"
	"github.com/actorio/actorio/protocol/sio/msgpackparser"
)

// RecoveryOptions turn on connection state recovery, as Node's
// connectionStateRecovery: a client that reconnects within
// MaxDisconnectionDuration gets its socket back (id, rooms, data) and the
// packets it missed. A nil *RecoveryOptions leaves it off, as in Node.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long sessions and packets are kept.
	// Zero means 2 minutes, as Node.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs connect middleware for a recovered socket too. The
	// zero value skips it, as Node's skipMiddlewares: true.
	RunMiddlewares bool
}

func (r *RecoveryOptions) duration() time.Duration {
	if r == nil {
		return 0
	}
	if r.MaxDisconnectionDuration <= 0 {
		return 2 * time.Minute
	}
	return r.MaxDisconnectionDuration
}

// recoverableReasons are the disconnections after which a session is kept,
// as in Node.
var recoverableReasons = map[string]bool{
	"transport error": true, "transport close": true, "forced close": true,
	"ping timeout": true, "server shutting down": true, "forced server close": true,
}

// offsets names recorded packets: unique for this process (start time and
// a counter), opaque to clients, which send the last one back.
var (
	offsetPrefix = strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
	offsetSeq    atomic.Uint64
)

func newOffset() string { return offsetPrefix + strconv.FormatUint(offsetSeq.Add(1), 36) }

// clusterSessions reports whether the adapter keeps recovery state in the
// cluster (adapter.SessionStore), so the server records nothing itself.
func (s *Server) clusterSessions() bool {
	_, ok := s.opts.Adapter.(adapter.SessionStore)
	return ok
}

// withOffset returns p with offset appended to its data, as Node appends
// it for connection state recovery.
func (s *Server) withOffset(p *sio.Packet, offset string) *sio.Packet {
	q := *p
	if s.opts.Parser == ParserMsgpack {
		elems, err := msgpackparser.SplitArray(p.Data)
		if err != nil {
			return p // the server's own encoding: cannot happen
		}
		data := msgpackparser.AppendArrayHeader(make([]byte, 0, len(p.Data)+len(offset)+8), len(elems)+1)
		for _, e := range elems {
			data = append(data, e...)
		}
		q.Data, _ = msgpackparser.AppendValue(data, offset)
		return &q
	}
	data := make([]byte, 0, len(p.Data)+len(offset)+4)
	data = append(data, p.Data[:len(p.Data)-1]...)
	if len(p.Data) > 2 {
		data = append(data, ',')
	}
	data = sio.AppendString(data, offset)
	q.Data = append(data, ']')
	return &q
}

// recoveryAuth is what a reconnecting client adds to its CONNECT payload.
type recoveryAuth struct {
	PID    string `json:"pid"`
	Offset string `json:"offset"`
}

// restore tries to recover a socket from the CONNECT payload; it runs on the
// socket's lane.
func (n *Namespace) restore(auth json.RawMessage) (recoveryAuth, actors.Restored) {
	var ra recoveryAuth
	if n.server.opts.ConnectionStateRecovery == nil || json.Unmarshal(auth, &ra) != nil || ra.PID == "" || ra.Offset == "" {
		return ra, actors.Restored{}
	}
	if store, ok := n.server.opts.Adapter.(adapter.SessionStore); ok {
		return ra, n.restoreFromCluster(store, ra)
	}
	reply := make(chan actors.Restored, 1)
	restored, _ := ask(n, &actors.RestoreSession{PID: ra.PID, Offset: ra.Offset, Reply: reply}, reply)
	return ra, restored
}

// clusterRequestTimeout bounds the server's own calls to the cluster
// (restoring and persisting sessions), as Node's adapters bound theirs.
const clusterRequestTimeout = 5 * time.Second

// restoreFromCluster takes the session and the missed packets from the
// adapter's store, so a client recovers on any server of the cluster. Its
// data comes back as JSON (a json.RawMessage), whoever stored it.
func (n *Namespace) restoreFromCluster(store adapter.SessionStore, ra recoveryAuth) actors.Restored {
	ctx, cancel := context.WithTimeout(context.Background(), clusterRequestTimeout)
	defer cancel()
	sess, err := store.RestoreSession(ctx, n.name, ra.PID, ra.Offset)
	if err != nil {
		n.server.adapterLog.Debug().Str("nsp", n.name).Err(err).Msg("session not recovered")
		return actors.Restored{}
	}
	r := actors.Restored{OK: true, ID: sess.SID, Rooms: sess.Rooms}
	if len(sess.Data) > 0 && string(sess.Data) != "null" {
		r.Data = json.RawMessage(sess.Data)
	}
	for _, p := range sess.Missed {
		r.Missed = append(r.Missed, n.server.packetFrames(p))
	}
	return r
}

// persistToCluster keeps a disconnected socket's session in the adapter's
// store, off the socket's lane (Node does not wait for it either).
func (s *Server) persistToCluster(store adapter.SessionStore, sess adapter.Session) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), clusterRequestTimeout)
		defer cancel()
		if err := store.PersistSession(ctx, sess); err != nil {
			s.adapterLog.Warn().Err(err).Msg("session not persisted: the client cannot recover it")
		}
	}()
}
