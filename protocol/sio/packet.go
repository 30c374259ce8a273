package sio

import "errors"

// PacketType is the Socket.IO packet type, the first digit of a packet.
type PacketType byte

// The Socket.IO v5 packet types.
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN"
}

// DefaultNamespace is the namespace a packet without a prefix belongs to.
const DefaultNamespace = "/"

// DefaultMaxAttachments is the attachment limit socket.io-parser applies.
const DefaultMaxAttachments = 10

// MaxAckID is the largest ack id accepted: the largest integer a JavaScript
// number holds exactly, so an ack goes back with the id the client sent.
const MaxAckID = 1<<53 - 1

// Sentinel errors. Callers match them with errors.Is.
var (
	ErrEmptyPacket        = errors.New("sio: empty packet")
	ErrUnknownType        = errors.New("sio: unknown packet type")
	ErrIllegalAttachments = errors.New("sio: illegal attachments")
	ErrTooManyAttachments = errors.New("sio: too many attachments")
	ErrInvalidAckID       = errors.New("sio: invalid ack id")
	ErrInvalidPayload     = errors.New("sio: invalid payload")
	ErrInvalidJSON        = errors.New("sio: invalid JSON")
	ErrReservedEvent      = errors.New("sio: reserved event name")
	ErrUnexpectedBinary   = errors.New("sio: got binary data when not reconstructing a packet")
	ErrUnexpectedText     = errors.New("sio: got plaintext data when reconstructing a packet")
	ErrInvalidNamespace   = errors.New("sio: invalid namespace")
)

// reservedEvents may not be emitted by a client: they name lifecycle events.
var reservedEvents = [...]string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReservedEvent reports whether name is reserved for lifecycle events.
func IsReservedEvent(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}

// Packet is one Socket.IO packet.
//
// Data is the raw payload in the parser's own format (JSON text for the
// default parser, msgpack for the msgpack parser), nil when the packet has
// none. For the default parser, placeholders in Data refer to Attachments by
// index. A decoded binary packet comes out as Event or Ack with Attachments
// set, as socket.io-parser does; the encoder picks the binary type whenever
// Attachments is not empty.
type Packet struct {
	Type        PacketType
	Namespace   string // DefaultNamespace when the wire omits it
	ID          uint64 // ack id, meaningful when HasID
	HasID       bool
	Data        []byte
	Attachments [][]byte
}

// Nsp returns the namespace, "/" when empty.
func (p *Packet) Nsp() string {
	if p.Namespace == "" {
		return DefaultNamespace
	}
	return p.Namespace
}
