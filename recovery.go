package actorio

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/actorio/actorio/actors"
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
	reply := make(chan actors.Restored, 1)
	restored, _ := ask(n, &actors.RestoreSession{PID: ra.PID, Offset: ra.Offset, Reply: reply}, reply)
	return ra, restored
}
