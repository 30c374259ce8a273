package actorio

import "time"

// SetOverlapWait sets how long a session holds a GET that overlapped
// another before it decides the client really sent two (actors'
// overlapWait), for tests whose outcome must not hang on how fast a loaded
// machine notices an aborted request.
func SetOverlapWait(o *EngineOptions, d time.Duration) { o.overlapWait = d }

// SessionOf is the Engine.IO session of s's client.
func SessionOf(s *Socket) *EngineSession { return s.client.es }
