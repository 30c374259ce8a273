// Package demo is the chat that `make run` serves: a username checked by
// connect middleware, an online user list, channels to switch between,
// messages broadcast to the channel with an ack confirming delivery, a
// typing indicator and join/leave notices. The page (web/) is embedded in
// the binary; the official socket.io-client bundle is served from npm's
// files, as Node's serveClient. With a cluster adapter the chat spans
// servers: the user list and the name check cover every server's users.
package demo

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio"
)

//go:embed web/*
var web embed.FS

// Channels are the rooms a user can switch between.
var Channels = []string{"general", "random", "help"}

const maxMessage = 2000 // bytes of text per message

// Options configure the demo.
type Options struct {
	// Server options (ClientDir, ping, CORS...). Nil means defaults.
	Server *actorio.Options
}

// Demo is the chat: an http.Handler serving the page and the Socket.IO
// server.
type Demo struct {
	*actorio.Server
	mux *http.ServeMux

	mu    sync.Mutex
	users map[string]*user // this server's, by username
	log   zerolog.Logger

	usersChanged chan struct{} // wakes the user-list publisher
	stop         chan struct{}
	stopped      chan struct{}
	closeOnce    sync.Once
}

// clusterTimeout bounds a question to the other servers (the user list, a
// name check); past it the chat goes on with what it knows.
const clusterTimeout = 2 * time.Second

type user struct {
	channel string
	socket  *actorio.Socket
}

// User is one entry of the online list.
type User struct {
	Username string `json:"username"`
	Channel  string `json:"channel"`
}

// New returns the chat.
func New(opts Options) *Demo {
	srvOpts := opts.Server
	if srvOpts == nil {
		srvOpts = &actorio.Options{}
	}
	d := &Demo{Server: actorio.NewServer(srvOpts), users: map[string]*user{}, log: srvOpts.Logger.With().Str("component", "demo").Logger(),
		usersChanged: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	d.Use(d.checkUsername)
	d.OnConnection(d.connected)
	go d.userListPublisher()

	page, _ := fs.Sub(web, "web") // the embedded directory exists
	d.mux = http.NewServeMux()
	d.mux.Handle(d.Path(), d.Server)
	d.mux.Handle("/", http.FileServerFS(page))
	return d
}

// Close stops the user-list publisher, then the server.
func (d *Demo) Close() {
	d.closeOnce.Do(func() {
		close(d.stop)
		<-d.stopped
	})
	d.Server.Close()
}

// ServeHTTP implements http.Handler.
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.mux.ServeHTTP(w, r) }

func username(s *actorio.Socket) string {
	var auth struct {
		Username string `json:"username"`
	}
	if err := s.Handshake().DecodeAuth(&auth); err != nil {
		return ""
	}
	return strings.TrimSpace(auth.Username)
}

// checkUsername refuses an empty or taken name, with a message the page
// shows.
func (d *Demo) checkUsername(s *actorio.Socket) error {
	name := username(s)
	switch {
	case name == "":
		return &actorio.ConnectError{Message: "username required"}
	case len(name) > 32:
		return &actorio.ConnectError{Message: "username too long"}
	}
	d.mu.Lock()
	_, taken := d.users[name]
	d.mu.Unlock()
	others, _ := d.otherServersUsers() // a server that does not answer cannot claim the name
	if taken || slices.ContainsFunc(others, func(u User) bool { return u.Username == name }) {
		return &actorio.ConnectError{Message: "username taken"}
	}
	return nil
}

func (d *Demo) connected(s *actorio.Socket) {
	name := username(s)
	d.mu.Lock()
	if _, taken := d.users[name]; taken { // claimed since the middleware ran
		d.mu.Unlock()
		s.Disconnect(false)
		return
	}
	d.users[name] = &user{channel: Channels[0], socket: s}
	d.mu.Unlock()
	s.SetData(User{Username: name, Channel: Channels[0]})
	s.Join(Channels[0])
	_ = s.Emit("welcome", map[string]any{"username": name, "channels": Channels, "channel": Channels[0]})
	d.publishUsers()
	_ = s.To(Channels[0]).Emit("notice", map[string]string{"text": name + " joined #" + Channels[0]})

	_ = s.On("message", func(text string, ack actorio.Ack) { d.message(s, name, text, ack) })
	_ = s.On("typing", func(typing bool) {
		_ = s.To(d.channelOf(name)).Emit("typing", map[string]any{"username": name, "typing": typing})
	})
	_ = s.On("switch", func(channel string, ack actorio.Ack) { d.switchChannel(s, name, channel, ack) })
	s.OnDisconnect(func(string) {
		d.mu.Lock()
		u := d.users[name]
		if u != nil && u.socket == s {
			delete(d.users, name)
		}
		d.mu.Unlock()
		if u != nil {
			_ = d.To(u.channel).Emit("notice", map[string]string{"text": name + " left"})
			d.publishUsers()
		}
	})
}

func (d *Demo) channelOf(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.users[name]; ok {
		return u.channel
	}
	return Channels[0]
}

func (d *Demo) message(s *actorio.Socket, name, text string, ack actorio.Ack) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxMessage {
		_ = ack.Send(map[string]string{"error": "empty or too long"})
		return
	}
	channel := d.channelOf(name)
	now := time.Now().UnixMilli()
	_ = s.To(channel).Emit("message", map[string]any{"from": name, "text": text, "channel": channel, "time": now})
	// Emit returns once every recipient has the message queued: that is
	// the delivery the sender's tick confirms.
	_ = ack.Send(map[string]any{"time": now, "delivered": d.members(channel) - 1})
}

func (d *Demo) switchChannel(s *actorio.Socket, name, channel string, ack actorio.Ack) {
	if !slices.Contains(Channels, channel) {
		_ = ack.Send(map[string]string{"error": "unknown channel"})
		return
	}
	d.mu.Lock()
	old := d.users[name].channel
	d.users[name].channel = channel
	d.mu.Unlock()
	s.SetData(User{Username: name, Channel: channel})
	if old != channel {
		s.Leave(old)
		_ = d.To(old).Emit("notice", map[string]string{"text": name + " left #" + old})
		s.Join(channel)
		_ = s.To(channel).Emit("notice", map[string]string{"text": name + " joined #" + channel})
	}
	_ = ack.Send(map[string]string{"channel": channel})
	d.publishUsers()
}

// publishUsers asks for the online list to be sent again.
func (d *Demo) publishUsers() {
	select {
	case d.usersChanged <- struct{}{}:
	default: // already asked: the next list includes this change
	}
}

// userListPublisher sends everyone (on every server) the online list,
// sorted by name, after each change: one at a time, so a list never
// overtakes a newer one from this server.
func (d *Demo) userListPublisher() {
	defer close(d.stopped)
	for {
		select {
		case <-d.stop:
			return
		case <-d.usersChanged:
		}
		d.mu.Lock()
		list := make([]User, 0, len(d.users))
		for name, u := range d.users {
			list = append(list, User{Username: name, Channel: u.channel})
		}
		d.mu.Unlock()
		others, err := d.otherServersUsers()
		if err != nil {
			// Some server did not answer in time: send what is known now
			// and ask again, so the list does not stay short.
			time.AfterFunc(clusterTimeout/4, d.publishUsers)
		}
		for _, u := range others {
			if !slices.ContainsFunc(list, func(v User) bool { return v.Username == u.Username }) {
				list = append(list, u)
			}
		}
		slices.SortFunc(list, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
		sent := d.Emit("users", list)
		d.log.Debug().Int("users", len(list)).Int("remote", len(others)).AnErr("fetch", err).AnErr("emit", sent).Msg("user list published")
	}
}

// otherServersUsers are the users connected to the other servers of the
// cluster (none alone); with an error, those of the servers that answered
// in time.
func (d *Demo) otherServersUsers() ([]User, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	sockets, err := d.FetchSockets(ctx)
	var out []User
	for _, s := range sockets {
		raw, remote := s.Data.(json.RawMessage)
		var u User
		if remote && json.Unmarshal(raw, &u) == nil && u.Username != "" {
			out = append(out, u)
		}
	}
	return out, err
}

// members counts channel's users on every server (this server's alone
// when the others do not answer in time).
func (d *Demo) members(channel string) int {
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	sockets, err := d.In(channel).FetchSockets(ctx)
	if err != nil {
		return d.Of("/").RoomSize(channel)
	}
	return len(sockets)
}
