package cluster

import (
	"bytes"
	"context"
	"testing"

	"github.com/actorio/actorio/adapter"
)

type nopTransport struct{}

func (nopTransport) Publish(context.Context, *Message) (string, error)       { return "", nil }
func (nopTransport) PublishResponse(context.Context, string, *Message) error { return nil }
func (nopTransport) ServerCount(context.Context, string) (int, error)        { return 1, nil }

// FuzzDecode: any bytes decode without a panic, and a message that decodes
// encodes to bytes that decode to the same message, in both wire forms.
func FuzzDecode(f *testing.F) {
	for _, tt := range wireMessages(&testing.T{}) {
		if tt.json != "" {
			f.Add([]byte(tt.json))
		}
		b, _ := tt.m.Msgpack()
		f.Add(b)
	}
	f.Add([]byte(`{"type":3,"data":{"packet":{"type":2,"data":[{"type":"Buffer","data":[1,2]}]}},"uid":"u","nsp":"/"}`))
	// A server applies whatever decodes, without a panic.
	c := New(nopTransport{}, Options{})
	f.Cleanup(c.Close)
	_ = c.Attach(&fakeLocal{format: adapter.FormatJSON, clients: 1, answer: []any{"a"}, sockets: []adapter.SocketInfo{{ID: "s"}}})
	c.AddNamespace("/")
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Decode(in)
		if err != nil {
			return
		}
		c.OnMessage(m, "1-0")
		mp, err := m.Msgpack()
		if err != nil {
			t.Fatalf("Msgpack() of a decoded message = %v", err)
		}
		back, err := DecodeMsgpack(mp)
		if err != nil {
			t.Fatalf("DecodeMsgpack(Msgpack()) = %v", err)
		}
		again, _ := back.Msgpack()
		if !bytes.Equal(again, mp) {
			t.Fatalf("msgpack round trip: %x, then %x", mp, again)
		}
		if !m.HasBinary() {
			js, err := m.JSON()
			if err != nil {
				return // a string that is not UTF-8 (from msgpack): refused, not sent
			}
			if _, err := Decode(js); err != nil {
				t.Fatalf("Decode(JSON()) = %v for %s", err, js)
			}
		}
		// What Core reads out of a message must not panic either.
		if m.Type == Broadcast {
			if packet, _, _, err := BroadcastOf(m.Data); err == nil {
				_, _ = PacketSIO(0, packet, m.Nsp, "1-0")
				_, _ = PacketSIO(1, packet, m.Nsp)
			}
		}
		if sv, ok := get(m.Data, "sockets"); ok {
			if a, ok := sv.([]any); ok {
				for _, s := range a {
					_, _ = socketInfo(s)
				}
			}
		}
	})
}

// FuzzDecodeData: a stream entry's data field, JSON or msgpack.
func FuzzDecodeData(f *testing.F) {
	f.Add([]byte(`{"packet":{"type":2,"data":["e"]},"opts":{"rooms":[],"except":[],"flags":{}}}`))
	f.Add([]byte{0x81, 0xa1, 'a', 0xc4, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := DecodeData(in)
		if err != nil {
			return
		}
		if packet, _, _, err := BroadcastOf(d); err == nil {
			_, _ = PacketSIO(0, packet, "/", "1-0")
		}
	})
}
