package redis_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/actorio/actorio"
	redisadapter "github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// TestRequestsAnswered publishes, as another server would, the requests
// Node 8.3 no longer sends but still answers (SOCKETS, the sid form of
// REMOTE_JOIN, LEAVE and DISCONNECT) and messages nobody can read, and
// checks the answers on the wire, on the shared response channel and, with
// PublishOnSpecificResponseChannel, on the requester's own.
func TestRequestsAnswered(t *testing.T) {
	const orElse = " or " // between the responses a row accepts
	for _, specific := range []bool{false, true} {
		name := "shared response channel"
		responses := "socket.io-response#/#"
		if specific {
			name = "specific response channel"
			responses = "socket.io-response#/#spy#"
		}
		t.Run(name, func(t *testing.T) {
			rs := redistest.Start(t)
			g := startGo(t, rs, "G", actorio.ParserDefault, &redisadapter.Options{PublishOnSpecificResponseChannel: specific})
			p := startPool(t)
			id := p.connect("c", g.url, "/", "json", "r1")
			ctx := context.Background()
			rdb := rs.Client()
			spy := rdb.Subscribe(ctx, responses)
			t.Cleanup(func() { _ = spy.Close() })
			subscribed(t, spy)
			tests := []struct {
				name, request, response string
				after                   func(t *testing.T)
			}{
				{"garbage is ignored", "{nope", "", nil},
				{"msgpack garbage is ignored", "\xc1\x00", "", nil},
				{"SOCKETS", `{"uid":"spy","requestId":"q0","type":0,"rooms":["r1"]}`, `{"requestId":"q0","sockets":["` + id + `"]}`, nil},
				{"SOCKETS of an empty room", `{"uid":"spy","requestId":"q1","type":0,"rooms":["none"]}`, `{"requestId":"q1","sockets":[]}`, nil},
				{"REMOTE_JOIN of an unknown sid is not answered", `{"uid":"spy","requestId":"qx","type":2,"sid":"nobody","room":"old"}`, "", nil},
				{"REMOTE_JOIN by sid", `{"uid":"spy","requestId":"q2","type":2,"sid":"` + id + `","room":"old"}`, `{"requestId":"q2"}`,
					func(t *testing.T) {
						eventually(t, "c in old", func() bool { return g.srv.Of("/").RoomSize("old") == 1 })
					}},
				{"REMOTE_LEAVE by sid", `{"uid":"spy","requestId":"q3","type":3,"sid":"` + id + `","room":"old"}`, `{"requestId":"q3"}`,
					func(t *testing.T) {
						eventually(t, "c out of old", func() bool { return g.srv.Of("/").RoomSize("old") == 0 })
					}},
				{"ALL_ROOMS", `{"uid":"spy","requestId":"q4","type":1}`, // in either order
					`{"requestId":"q4","rooms":["` + id + `","r1"]}` + orElse + `{"requestId":"q4","rooms":["r1","` + id + `"]}`, nil},
				{"a broadcast that cannot be read is ignored", "", "", nil},
				{"REMOTE_DISCONNECT by sid", `{"uid":"spy","requestId":"q5","type":4,"sid":"` + id + `","close":false}`, `{"requestId":"q5"}`,
					func(t *testing.T) {
						if e := p.next("c"); e.Event != "disconnect" || e.Reason != "io server disconnect" {
							t.Errorf("c: %v, want disconnect io server disconnect", e)
						}
					}},
			}
			for _, tt := range tests {
				channel := "socket.io-request#/#"
				if tt.request == "" {
					channel, tt.request = "socket.io#/#", "\x93\xa3spy\x01\x80" // [spy, 1, {}]
				}
				if err := rdb.Publish(ctx, channel, tt.request).Err(); err != nil {
					t.Fatal(err)
				}
				if tt.response != "" {
					if msg := receive(t, spy); !slices.Contains(strings.Split(tt.response, orElse), msg.Payload) {
						t.Errorf("%s: response %s, want %s", tt.name, msg.Payload, tt.response)
					}
				}
				if tt.after != nil {
					tt.after(t)
				}
			}
			if log := g.log.String(); strings.Count(log, "ignoring a cluster message that cannot be read") != 3 {
				t.Errorf("the log does not say three times that a message was ignored:\n%s", log)
			}
		})
	}
}
