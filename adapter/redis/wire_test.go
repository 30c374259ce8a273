package redis

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"

	"github.com/actorio/actorio/adapter"
	"github.com/actorio/actorio/internal/value"
)

// nodeVectors runs testdata/wire_vectors.js: what the Node adapter and
// emitter publish for each case, msgpack as hex, JSON as text.
func nodeVectors(t *testing.T) map[string][]byte {
	t.Helper()
	out, err := exec.Command("node", "testdata/wire_vectors.js").CombinedOutput()
	if err != nil {
		t.Fatalf("node testdata/wire_vectors.js: %v\n%s", err, out)
	}
	var raw map[string]struct {
		Msgpack string `json:"msgpack"`
		JSON    string `json:"json"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("wire_vectors.js output: %v\n%s", err, out)
	}
	vectors := map[string][]byte{}
	for name, v := range raw {
		if v.Msgpack != "" {
			b, err := hex.DecodeString(v.Msgpack)
			if err != nil {
				t.Fatal(err)
			}
			vectors[name] = b
		} else {
			vectors[name] = []byte(v.JSON)
		}
	}
	return vectors
}

func obj(kv ...any) *value.Map {
	m := &value.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

var testPacket = value.Packet{Type: 2, Nsp: "/", Data: value.V{Any: []any{"ev", int64(1), 1.5, "é", []byte{1, 2}, obj("b", true, "a", nil)}}}

// TestWireMatchesNode checks, case by case, that we write the bytes the
// Node adapter writes for the same message, and read what it writes.
func TestWireMatchesNode(t *testing.T) {
	vectors := nodeVectors(t)
	tests := []struct {
		name   string
		encode func() ([]byte, error) // nil: a message we only read
		check  func(t *testing.T, b []byte)
	}{
		{"broadcast",
			func() ([]byte, error) {
				return encodeBroadcast("uid1", testPacket, adapter.BroadcastOptions{Rooms: []string{"r1"}, Flags: adapter.Flags{Compress: true}})
			},
			func(t *testing.T, b []byte) {
				m, err := decodeBroadcast(b)
				if err != nil {
					t.Fatal(err)
				}
				want := adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{}, Flags: adapter.Flags{Compress: true}}
				if m.uid != "uid1" || !reflect.DeepEqual(m.opts, want) || m.packet.Nsp != "/" || m.packet.Type != 2 {
					t.Errorf("decodeBroadcast = %+v, want uid1 %+v", m, want)
				}
				got, _ := value.MarshalAny(m.packet.Data.Any)
				wantData, _ := value.MarshalAny(testPacket.Data.Any)
				if !bytes.Equal(got, wantData) {
					t.Errorf("packet data = %x, want %x", got, wantData)
				}
			}},
		{"broadcastFlags",
			func() ([]byte, error) {
				p := value.Packet{Type: 2, Nsp: "/chat", Data: value.V{Any: []any{"ev"}}}
				return encodeBroadcast("uid1", p, adapter.BroadcastOptions{Rooms: []string{"a", "b", "a"}, Except: []string{"c"}, Flags: adapter.Flags{Volatile: true}})
			},
			func(t *testing.T, b []byte) {
				m, err := decodeBroadcast(b)
				want := adapter.BroadcastOptions{Rooms: []string{"a", "b"}, Except: []string{"c"}, Flags: adapter.Flags{Volatile: true}}
				if err != nil || !reflect.DeepEqual(m.opts, want) || m.packet.Nsp != "/chat" {
					t.Errorf("decodeBroadcast = %+v, %v, want %+v", m, err, want)
				}
			}},
		{"emitter", nil, func(t *testing.T, b []byte) {
			m, err := decodeBroadcast(b)
			want := adapter.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"s"}, Flags: adapter.Flags{Compress: true}}
			if err != nil || m.uid != "emitter" || !reflect.DeepEqual(m.opts, want) {
				t.Errorf("decodeBroadcast = %+v, %v, want emitter %+v", m, err, want)
			}
		}},
		{"fetch",
			func() ([]byte, error) {
				return encodeJSON(fetchRequest{UID: "uid1", RequestID: "req1", Type: typeRemoteFetch, Opts: newRequestOpts(adapter.BroadcastOptions{Rooms: []string{"a"}, Except: []string{"b"}})})
			},
			func(t *testing.T, b []byte) {
				m := mustDecode(t, b)
				if m.typ != typeRemoteFetch || m.requestID != "req1" || m.opts == nil || m.opts.Rooms[0] != "a" || m.opts.Except[0] != "b" {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"allRooms",
			func() ([]byte, error) {
				return encodeJSON(allRoomsRequest{UID: "uid1", RequestID: "req1", Type: typeAllRooms})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.typ != typeAllRooms || m.uid != "uid1" {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"join",
			func() ([]byte, error) {
				return encodeJSON(roomsRequest{UID: "uid1", Type: typeRemoteJoin, Opts: newRequestOpts(adapter.BroadcastOptions{Except: []string{"x"}}), Rooms: []string{"r1", "r2"}})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.typ != typeRemoteJoin || !reflect.DeepEqual(m.rooms, []string{"r1", "r2"}) || m.opts == nil {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"leave",
			func() ([]byte, error) {
				return encodeJSON(roomsRequest{UID: "uid1", Type: typeRemoteLeave, Opts: newRequestOpts(adapter.BroadcastOptions{Rooms: []string{"a"}}), Rooms: []string{"r1"}})
			}, nil},
		{"disconnect",
			func() ([]byte, error) {
				return encodeJSON(disconnectRequest{UID: "uid1", Type: typeRemoteDisconnect, Opts: newRequestOpts(adapter.BroadcastOptions{Rooms: []string{"a"}}), Close: true})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.typ != typeRemoteDisconnect || !m.close {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"serverSideEmit",
			func() ([]byte, error) {
				return encodeJSON(serverSideEmitRequest{UID: "uid1", Type: typeServerSideEmit, Data: value.V{Any: []any{"hello", "<&>", []byte{255}}}})
			},
			func(t *testing.T, b []byte) {
				m := mustDecode(t, b)
				if m.requestID != "" || !reflect.DeepEqual(m.data, []any{"hello", "<&>", []byte{255}}) {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"serverSideEmitAck",
			func() ([]byte, error) {
				return encodeJSON(serverSideEmitRequest{UID: "uid1", RequestID: "req1", Type: typeServerSideEmit, Data: value.V{Any: []any{"hello", int64(1)}}})
			}, nil},
		{"broadcastAck",
			func() ([]byte, error) {
				p := value.Packet{Type: 2, Nsp: "/", Data: value.V{Any: []any{"poll"}}}
				return value.Marshal(broadcastRequest{UID: "uid1", RequestID: "req1", Type: typeBroadcast, Packet: p,
					Opts: newBroadcastOpts(adapter.BroadcastOptions{Flags: adapter.Flags{Compress: true, TimeoutMillis: 1000}})})
			},
			func(t *testing.T, b []byte) {
				m := mustDecode(t, b)
				p, err := toPacket(m.packet)
				if m.typ != typeBroadcast || err != nil || m.opts.Flags.TimeoutMillis != 1000 || p.Nsp != "/" {
					t.Errorf("decodeMessage = %+v, packet %+v, %v", m, p, err)
				}
			}},
		{"socketsResponse",
			func() ([]byte, error) {
				return encodeJSON(socketsResponse{RequestID: "req1", Sockets: []string{"s1", "s2"}})
			}, nil},
		{"allRoomsResponse",
			func() ([]byte, error) {
				return encodeJSON(allRoomsResponse{RequestID: "req1", Rooms: []string{"s1", "room"}})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); !reflect.DeepEqual(m.rooms, []string{"s1", "room"}) {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"fetchResponse",
			func() ([]byte, error) {
				return encodeJSON(fetchResponse{RequestID: "req1", Sockets: []fetchedSocket{{ID: "s1",
					Handshake: json.RawMessage(`{"headers":{"host":"h"},"issued":1}`), Rooms: []string{"s1", "r"}, Data: json.RawMessage(`{"n":1}`)}}})
			},
			func(t *testing.T, b []byte) {
				m := mustDecode(t, b)
				if len(m.sockets) != 1 {
					t.Fatalf("decodeMessage = %+v", m)
				}
				s, err := toSocketInfo(m.sockets[0])
				want := adapter.SocketInfo{ID: "s1", Rooms: []string{"s1", "r"}, Data: []byte(`{"n":1}`), Handshake: []byte(`{"headers":{"host":"h"},"issued":1}`)}
				if err != nil || !reflect.DeepEqual(s, want) {
					t.Errorf("toSocketInfo = %+v, %v, want %+v", s, err, want)
				}
			}},
		{"serverSideEmitResponse",
			func() ([]byte, error) {
				return encodeJSON(serverSideEmitResponse{Type: typeServerSideEmit, RequestID: "req1", Data: &value.V{Any: obj("ok", []any{int64(1), int64(2)})}})
			}, nil},
		{"serverSideEmitResponseNone",
			func() ([]byte, error) {
				return encodeJSON(serverSideEmitResponse{Type: typeServerSideEmit, RequestID: "req1"})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.hasData {
					t.Errorf("decodeMessage = %+v, want no data", m)
				}
			}},
		{"clientCountResponse",
			func() ([]byte, error) {
				return encodeJSON(clientCountResponse{Type: typeBroadcastClientCount, RequestID: "req1", ClientCount: 3})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.typ != typeBroadcastClientCount || m.count != 3 {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"ackResponse",
			func() ([]byte, error) {
				return value.Marshal(ackResponse{Type: typeBroadcastAck, RequestID: "req1", Packet: &value.V{Any: []byte{7}}})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); !bytes.Equal(m.packet.([]byte), []byte{7}) {
					t.Errorf("decodeMessage = %+v", m)
				}
			}},
		{"ackResponseNone",
			func() ([]byte, error) {
				return value.Marshal(ackResponse{Type: typeBroadcastAck, RequestID: "req1"})
			},
			func(t *testing.T, b []byte) {
				if m := mustDecode(t, b); m.hasPacket || m.typ != typeBroadcastAck {
					t.Errorf("decodeMessage = %+v, want no packet", m)
				}
			}},
	}
	// Where the bytes differ but Node reads them the same: notepack writes
	// an undefined value as ext 0, we leave the key out.
	sameMeaning := map[string]bool{"ackResponseNone": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node, ok := vectors[tt.name]
			if !ok {
				t.Fatalf("wire_vectors.js has no case %q", tt.name)
			}
			if tt.encode != nil {
				ours, err := tt.encode()
				if err != nil {
					t.Fatal(err)
				}
				if sameMeaning[tt.name] {
					a, b := mustDecode(t, ours), mustDecode(t, node)
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s: ours reads as %+v, node's as %+v", tt.name, a, b)
					}
				} else if !bytes.Equal(ours, node) {
					t.Errorf("%s:\n ours = %s\nnode = %s", tt.name, show(ours), show(node))
				}
			}
			if tt.check != nil {
				tt.check(t, node)
			} else if _, err := decodeMessage(node); err != nil && tt.encode != nil && node[0] == '{' {
				t.Errorf("decodeMessage(%s) = %v", node, err)
			}
		})
	}
}

func mustDecode(t *testing.T, b []byte) *message {
	t.Helper()
	m, err := decodeMessage(b)
	if err != nil {
		t.Fatalf("decodeMessage(%s) = %v", show(b), err)
	}
	return m
}

func show(b []byte) string {
	if len(b) > 0 && b[0] == '{' {
		return string(b)
	}
	return hex.EncodeToString(b)
}

// TestDecodeErrors: what cannot be read is an error that says why.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not JSON", "{x"},
		{"array", "[1]"},
		{"type is a string", `{"type":"6"}`},
		{"rooms not a list", `{"type":2,"rooms":"r"}`},
		{"opts not an object", `{"type":5,"opts":[]}`},
		{"flag not a boolean", `{"type":7,"opts":{"flags":{"volatile":1}}}`},
		{"room is an object", `{"type":2,"rooms":[{}]}`},
		{"msgpack garbage", "\xc1"},
	}
	for _, tt := range tests {
		if m, err := decodeMessage([]byte(tt.in)); err == nil {
			t.Errorf("%s: decodeMessage(%q) = %+v, want an error", tt.name, tt.in, m)
		}
	}
	bad := []struct {
		name string
		v    any
	}{
		{"not an array", obj("a", int64(1))},
		{"too short", []any{"uid", obj()}},
		{"uid a number", []any{int64(1), obj("type", int64(2), "data", []any{}), obj()}},
		{"packet without data", []any{"uid", obj("type", int64(2)), obj()}},
		{"data not a list", []any{"uid", obj("type", int64(2), "data", "x"), obj()}},
		{"opts a list", []any{"uid", obj("type", int64(2), "data", []any{}), []any{}}},
	}
	for _, tt := range bad {
		b, _ := value.MarshalAny(tt.v)
		if m, err := decodeBroadcast(b); err == nil {
			t.Errorf("%s: decodeBroadcast(%x) = %+v, want an error", tt.name, b, m)
		}
	}
}

// FuzzDecodeBroadcast: any input is read or refused, never a panic, and
// what is read is written and read back the same.
func FuzzDecodeBroadcast(f *testing.F) {
	seed, _ := encodeBroadcast("uid1", testPacket, adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{"x"}, Flags: adapter.Flags{Volatile: true}})
	f.Add(seed)
	f.Add([]byte{0x93, 0xa0, 0x80, 0x80})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeBroadcast(b)
		if err != nil {
			return
		}
		again, err := encodeBroadcast(m.uid, m.packet, m.opts)
		if err != nil {
			return // a value the packet cannot carry (invalid UTF-8 is fine in msgpack)
		}
		m2, err := decodeBroadcast(again)
		if err != nil || m2.uid != m.uid || m2.packet.Nsp != m.packet.Nsp || len(m2.opts.Rooms) > len(m.opts.Rooms) {
			t.Fatalf("round trip of %x: %+v, %v; was %+v", b, m2, err, m)
		}
		if _, err := m.packet.SIO(adapter.FormatJSON); err != nil && m.packet.Type == 2 {
			_ = err // invalid UTF-8 cannot become JSON: an error, not a panic
		}
	})
}

// FuzzDecodeMessage: requests and responses, JSON or msgpack.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"uid":"u","requestId":"r","type":5,"opts":{"rooms":["a"],"except":[]}}`))
	f.Add([]byte(`{"type":6,"requestId":"r","data":{"type":"Buffer","data":[1,2]}}`))
	f.Add([]byte(`{"requestId":"r","sockets":[{"id":"s","rooms":["s"],"handshake":{},"data":null}]}`))
	ack, _ := value.Marshal(ackResponse{Type: typeBroadcastAck, RequestID: "r", Packet: &value.V{Any: []byte{1}}})
	f.Add(ack)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		for _, s := range m.sockets {
			_, _ = toSocketInfo(s)
		}
		if m.hasPacket {
			if p, err := toPacket(m.packet); err == nil {
				_, _ = p.SIO(adapter.FormatMsgpack)
			}
		}
		if m.hasData {
			_, _ = value.ToArgs(adapter.FormatJSON, []any{m.data})
		}
	})
}
