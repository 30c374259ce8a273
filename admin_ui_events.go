package actorio

// What the admin UI hears in development mode (Node:
// registerVerboseListeners, serialize, fetchAllSockets) and what it may do
// (Node: registerFeatureHandlers). Every listener runs on a lane (the
// socket's or the namespace's), never on an actor.

import (
	"context"
	"encoding/json"
	"time"
)

// adminSocket is a socket as the UI reads it (Node: SerializedSocket).
type adminSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId,omitempty"`
	Transport string         `json:"transport,omitempty"`
	Nsp       string         `json:"nsp"`
	Data      any            `json:"data"`
	Handshake adminHandshake `json:"handshake"`
	Rooms     []string       `json:"rooms"`
}

// adminHandshake is the handshake without auth (Node leaves out auth and
// the like: credentials must not reach the UI).
type adminHandshake struct {
	Address string         `json:"address"`
	Headers map[string]any `json:"headers"`
	Query   map[string]any `json:"query"`
	Issued  int64          `json:"issued"`
	Secure  bool           `json:"secure"`
	Time    string         `json:"time"`
	URL     string         `json:"url"`
	XDomain bool           `json:"xdomain"`
}

// adminMeta is what Node keeps in socket.data._admin, where other servers
// of a cluster read it (fetchSockets carries the data).
type adminMeta struct {
	ClientID  string `json:"clientId"`
	Transport string `json:"transport"`
}

// clientID is the first 12 characters of the Engine.IO id: Node shows no
// more, as the whole id is sensitive.
func clientID(s *Socket) string {
	id := s.client.es.ID()
	return id[:min(12, len(id))]
}

func serializeHandshake(h Handshake) adminHandshake {
	var n nodeHandshake
	if b, err := h.MarshalJSON(); err == nil {
		_ = json.Unmarshal(b, &n) // our own JSON
	}
	out := adminHandshake{Address: n.Address, Headers: n.Headers, Query: n.Query, Issued: n.Issued,
		Secure: n.Secure, Time: n.Time, URL: n.URL, XDomain: n.XDomain}
	// The client's address behind a proxy, as Node's serialize picks it.
	for _, k := range []string{"cf-connecting-ip", "x-forwarded-for"} {
		if v, ok := n.Headers[k].(string); ok && v != "" {
			out.Address = v
			break
		}
	}
	return out
}

// splitAdminData returns data (JSON) without its _admin member, and that
// member (Node: serializeData, and serialize's reads of data._admin).
func splitAdminData(data []byte) (any, adminMeta) {
	var meta adminMeta
	var obj map[string]json.RawMessage
	if len(data) == 0 || json.Unmarshal(data, &obj) != nil {
		if len(data) > 0 && string(data) != "null" {
			return json.RawMessage(data), meta // not an object: shown as it is
		}
		return map[string]any{}, meta
	}
	if raw, ok := obj["_admin"]; ok {
		_ = json.Unmarshal(raw, &meta) // a malformed member is left out
		delete(obj, "_admin")
	}
	if obj == nil {
		return map[string]any{}, meta
	}
	return obj, meta
}

func serializeLocal(s *Socket) adminSocket {
	data, _ := json.Marshal(s.Data()) // data that cannot be JSON is shown empty
	d, _ := splitAdminData(data)
	return adminSocket{ID: s.id, ClientID: clientID(s), Transport: s.Transport(), Nsp: s.nsp.name,
		Data: d, Handshake: serializeHandshake(s.Handshake()), Rooms: s.Rooms()}
}

func serializeRemote(r *RemoteSocket, nsp string) adminSocket {
	if r.local != nil {
		return serializeLocal(r.local)
	}
	raw, _ := r.Data.(json.RawMessage)
	d, meta := splitAdminData(raw)
	return adminSocket{ID: r.ID, ClientID: meta.ClientID, Transport: meta.Transport, Nsp: nsp,
		Data: d, Handshake: serializeHandshake(r.Handshake), Rooms: r.Rooms}
}

// withAdminData adds _admin to a local socket's data as another server's
// fetchSockets reads it (Node keeps it in socket.data): only when the
// server is instrumented in development mode, and only for data that is
// an object or nothing.
func (s *Server) withAdminData(sock *Socket, data []byte) []byte {
	a := s.admin.Load()
	if a == nil || !a.dev {
		return data
	}
	obj := map[string]json.RawMessage{}
	if len(data) > 0 && string(data) != "null" && json.Unmarshal(data, &obj) != nil {
		return data
	}
	meta, _ := json.Marshal(adminMeta{ClientID: clientID(sock), Transport: sock.Transport()})
	obj["_admin"] = meta
	out, err := json.Marshal(obj)
	if err != nil {
		return data
	}
	return out
}

// allSockets lists every namespace's sockets on every server (Node:
// fetchAllSockets).
func (a *AdminUI) allSockets() []adminSocket {
	out := []adminSocket{}
	for _, n := range a.srv.allNamespaces() {
		ctx, cancel := context.WithTimeout(context.Background(), adminFetchTimeout)
		sockets, err := n.FetchSockets(ctx)
		cancel()
		if err != nil {
			a.logger.Warn().Str("nsp", n.name).Err(err).Msg("admin UI: not every server listed its sockets")
		}
		for _, r := range sockets {
			out = append(out, serializeRemote(r, n.name))
		}
	}
	return out
}

// adminFetchTimeout bounds each namespace's cluster-wide fetchSockets.
const adminFetchTimeout = 5 * time.Second

// watchNamespace tells the UI of n's sockets, rooms and events (Node:
// registerVerboseListeners); it runs once for each namespace.
func (a *AdminUI) watchNamespace(n *Namespace) {
	n.prependConnection(func(s *Socket) {
		a.emit("socket_connected", serializeLocal(s), jsDate(time.Now()))
		if n != a.nsp {
			s.OnAny(func(event string, args Args) {
				list := make([]any, 0, 1+args.Len())
				list = append(list, event)
				for i := range args.Len() {
					list = append(list, args.Raw(i))
				}
				a.emit("event_received", n.name, s.id, list, jsDate(time.Now()))
			})
			s.OnAnyOutgoing(func(event string, args []any) {
				a.emit("event_sent", n.name, s.id, append([]any{event}, args...), jsDate(time.Now()))
			})
		}
		s.OnDisconnect(func(reason string) {
			a.emit("socket_disconnected", n.name, s.id, reason, jsDate(time.Now()))
		})
	})
	n.OnRoomEvent(func(ev RoomEvent) {
		switch ev.Kind {
		case "join-room":
			a.emit("room_joined", n.name, ev.Room, ev.ID, jsDate(time.Now()))
		case "leave-room":
			a.emit("room_left", n.name, ev.Room, ev.ID, jsDate(time.Now()))
		}
	})
}

// transportUpgraded runs on the session actor when s's connection moved
// to WebSocket; the UI is told from s's lane (Node:
// socket.conn.on("upgrade")).
func (a *AdminUI) transportUpgraded(s *Socket) {
	if !a.dev {
		return
	}
	s.lane.run(func() {
		a.emit("socket_updated", map[string]any{"id": s.id, "nsp": s.nsp.name, "transport": s.Transport()})
	})
}

// dataChanged tells the UI of a connected socket's new data (Node: the
// Proxy on socket.data sends socket_updated on every change). Data set
// before the socket connected goes with socket_connected.
func (a *AdminUI) dataChanged(s *Socket) {
	if !a.dev || !s.Connected() {
		return
	}
	data, _ := json.Marshal(s.Data()) // data that cannot be JSON is shown empty
	d, _ := splitAdminData(data)
	a.emit("socket_updated", map[string]any{"id": s.id, "nsp": s.nsp.name, "data": d})
}

// registerActions answers the UI's buttons on every server of the cluster
// (Node: registerFeatureHandlers, Socket.IO v4 forms):
//
//	emit        (nsp, filter, event, ...args)
//	join, leave (nsp, room, filter)
//	_disconnect (nsp, close, filter)
//
// An empty or absent filter means every socket of the namespace. A
// namespace the UI names is created if it does not exist here, as Node's
// io.of(nsp): its sockets may live on another server of the cluster.
func (a *AdminUI) registerActions(s *Socket) {
	target := func(args Args) (*BroadcastOperator, string, bool) {
		nsp := argString(args, 0)
		if nsp == "" {
			return nil, "", false
		}
		op := &BroadcastOperator{nsp: a.srv.Of(nsp)}
		if filter := argString(args, 2); filter != "" {
			op = op.To(filter)
		}
		return op, nsp, true
	}
	done := func(action, nsp string, err error) {
		if err != nil {
			a.logger.Warn().Str("action", action).Str("nsp", nsp).Err(err).Msg("admin UI action failed")
			return
		}
		a.logger.Info().Str("action", action).Str("nsp", nsp).Msg("admin UI action")
	}
	_ = s.On("emit", func(args Args) {
		nsp := argString(args, 0)
		event := argString(args, 2)
		if nsp == "" || event == "" {
			return
		}
		op := &BroadcastOperator{nsp: a.srv.Of(nsp)}
		if filter := argString(args, 1); filter != "" {
			op = op.To(filter)
		}
		done("emit", nsp, op.Emit(event, args.Forward()[3:]...))
	})
	_ = s.On("join", func(args Args) {
		if op, nsp, ok := target(args); ok {
			if room := argString(args, 1); room != "" {
				done("join", nsp, op.SocketsJoin(room))
			}
		}
	})
	_ = s.On("leave", func(args Args) {
		if op, nsp, ok := target(args); ok {
			if room := argString(args, 1); room != "" {
				done("leave", nsp, op.SocketsLeave(room))
			}
		}
	})
	_ = s.On("_disconnect", func(args Args) {
		if op, nsp, ok := target(args); ok {
			var closeConn bool
			_ = args.Decode(1, &closeConn) // absent or not a boolean: false
			done("disconnect", nsp, op.DisconnectSockets(closeConn))
		}
	})
}

// argString is argument i as a string, "" when absent, null or not a
// string (Node's undefined filter).
func argString(args Args, i int) string {
	if i >= args.Len() {
		return ""
	}
	var v string
	if args.Decode(i, &v) != nil {
		return ""
	}
	return v
}
