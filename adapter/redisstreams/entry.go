package redisstreams

import "github.com/actorio/actorio/adapter/internal/cluster"

// isEphemeral reports whether m goes over Pub/Sub rather than the stream,
// as Node's isEphemeral: a broadcast with acks, serverSideEmit and
// fetchSockets; their answers are not kept either. The stream entries are
// streamwire's.
func isEphemeral(m *cluster.Message) bool {
	if m.Type == cluster.Broadcast {
		if m.Data == nil {
			return false
		}
		id, _ := m.Data.Get("requestId")
		return id != nil
	}
	return m.Type == cluster.ServerSideEmit || m.Type == cluster.FetchSockets
}
