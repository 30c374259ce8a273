package actorio

// server_stats, every StatsInterval (Node: initStatsEmitter and the
// EventBuffer of registerEngineListeners). Node counts each raw connection
// and packet as it happens; here the Engine's counters, which exist anyway
// for Metrics, are read at each tick and their growth is reported, so the
// admin UI adds nothing per connection or per packet.

import (
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// processStart is when the process started, for Node's process.uptime().
var processStart = time.Now()

// adminStats is one server_stats payload (Node: ServerStats).
type adminStats struct {
	ServerID            string             `json:"serverId"`
	Hostname            string             `json:"hostname"`
	PID                 int                `json:"pid"`
	Uptime              float64            `json:"uptime"`
	ClientsCount        int64              `json:"clientsCount"`
	PollingClientsCount int64              `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent  `json:"aggregatedEvents"`
	Namespaces          []adminNamespaceSz `json:"namespaces"`
}

// aggregatedEvent is a count of one kind of event in one second (Node:
// NamespaceEvent): rawConnection, rawDisconnection (by reason), packetsIn,
// packetsOut, bytesIn, bytesOut.
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     uint64 `json:"count"`
}

type adminNamespaceSz struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// engineCounts is a reading of the Engine's counters.
type engineCounts struct {
	opened, packetsIn, packetsOut, bytesIn, bytesOut uint64
	closes                                           map[string]uint64
}

func (a *AdminUI) readCounts() engineCounts {
	st := &a.srv.engine.stats
	return engineCounts{opened: st.Opened.Load(), packetsIn: st.PacketsIn.Load(), packetsOut: st.PacketsOut.Load(),
		bytesIn: st.BytesIn.Load(), bytesOut: st.BytesOut.Load(), closes: st.Closes()}
}

// aggregate returns what grew from prev to now, stamped with now's second.
func aggregate(prev, now engineCounts, at time.Time) []aggregatedEvent {
	ts := at.Truncate(time.Second).UnixMilli()
	out := []aggregatedEvent{}
	add := func(typ, sub string, before, after uint64) {
		if after > before {
			out = append(out, aggregatedEvent{Timestamp: ts, Type: typ, SubType: sub, Count: after - before})
		}
	}
	add("rawConnection", "", prev.opened, now.opened)
	for _, reason := range slices.Sorted(maps.Keys(now.closes)) {
		add("rawDisconnection", reason, prev.closes[reason], now.closes[reason])
	}
	add("packetsIn", "", prev.packetsIn, now.packetsIn)
	add("packetsOut", "", prev.packetsOut, now.packetsOut)
	add("bytesIn", "", prev.bytesIn, now.bytesIn)
	add("bytesOut", "", prev.bytesOut, now.bytesOut)
	return out
}

// stats is this server's server_stats now.
func (a *AdminUI) stats(prev engineCounts, now engineCounts, at time.Time) adminStats {
	host, _ := os.Hostname()
	st := &a.srv.engine.stats
	polling, ws := st.OpenPolling.Load(), st.OpenWebSocket.Load()
	out := adminStats{ServerID: a.opts.ServerID, Hostname: host, PID: os.Getpid(),
		Uptime:       time.Since(processStart).Seconds(),
		ClientsCount: polling + ws, PollingClientsCount: polling,
		AggregatedEvents: aggregate(prev, now, at), Namespaces: []adminNamespaceSz{}}
	for _, n := range a.srv.allNamespaces() {
		out.Namespaces = append(out.Namespaces, adminNamespaceSz{Name: n.name, SocketsCount: n.SocketCount()})
	}
	slices.SortFunc(out.Namespaces, func(x, y adminNamespaceSz) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// statsLoop sends server_stats at once, then every StatsInterval, until
// Close or the server's Close.
func (a *AdminUI) statsLoop() {
	defer close(a.stopped)
	prev := a.readCounts()
	send := func() {
		now := a.readCounts()
		a.emit("server_stats", a.stats(prev, now, time.Now()))
		prev = now
	}
	send()
	t := time.NewTicker(a.opts.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			send()
		case <-a.stop:
			return
		case <-a.srv.engine.stopped:
			return
		}
	}
}
