package sio

// Message is one Engine.IO message a packet travels in.
type Message struct {
	Data   []byte
	Binary bool
}

// Parser is the Socket.IO packet codec a server uses with every client: the
// default JSON parser or the msgpack parser. Packet.Data is in the parser's
// own format.
type Parser interface {
	// Name identifies the parser in logs and options ("default", "msgpack").
	Name() string
	// Encode returns the Engine.IO messages that carry p, in order.
	Encode(p *Packet) []Message
	// NewDecoder returns the decoder for one connection.
	NewDecoder(maxAttachments int) PacketDecoder
}

// PacketDecoder is one connection's decoding state.
type PacketDecoder interface {
	// Add feeds one Engine.IO message and returns a packet when one is
	// complete. After an error the connection should be closed.
	Add(msg []byte, binary bool) (Packet, bool, error)
}

// WholeDecoder is a PacketDecoder that can also decode a message that is
// a whole packet by itself without changing its state, so that a
// goroutine other than the connection's decoding one may decode it while
// the decoder waits for nothing (the short path of an event).
type WholeDecoder interface {
	// Whole returns the packet msg is when it is a valid packet by itself,
	// with no attachments to wait for, and the decoder waits for none;
	// ok is false otherwise. The decoder is left as it was either way.
	Whole(msg []byte, binary bool) (p Packet, ok bool)
}

// JSON is the default parser, compatible with npm socket.io-parser.
var JSON Parser = jsonParser{}

type jsonParser struct{}

func (jsonParser) Name() string { return "default" }

func (jsonParser) Encode(p *Packet) []Message {
	msgs := make([]Message, 1, 1+len(p.Attachments))
	msgs[0] = Message{Data: AppendPacket(nil, p)}
	for _, a := range p.Attachments {
		msgs = append(msgs, Message{Data: a, Binary: true})
	}
	return msgs
}

func (jsonParser) NewDecoder(maxAttachments int) PacketDecoder {
	return &Decoder{MaxAttachments: maxAttachments}
}
