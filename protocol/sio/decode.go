package sio

import "encoding/json"

// DecodeText decodes one text packet of the default parser, without binary
// reassembly. For a binary packet it returns the announced attachment count
// (the Decoder then collects them) and the type already turned into Event or
// Ack, as socket.io-parser does. Data aliases b.
//
// Validation follows socket.io-parser, with one deliberate difference: an
// event name must be a string (the Node parser also accepts a number) and an
// EVENT must carry a payload.
func DecodeText(b []byte, maxAttachments int) (p Packet, attachments int, err error) {
	if len(b) == 0 {
		return Packet{}, 0, ErrEmptyPacket
	}
	if b[0] < '0' || b[0] > '0'+byte(BinaryAck) {
		return Packet{}, 0, ErrUnknownType
	}
	p.Type = PacketType(b[0] - '0')
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		if attachments, i, err = decodeAttachmentCount(b, i, maxAttachments); err != nil {
			return Packet{}, 0, err
		}
		p.Type -= BinaryEvent - Event
	}
	p.Namespace = DefaultNamespace
	if i < len(b) && b[i] == '/' {
		end := i
		for end < len(b) && b[end] != ',' {
			end++
		}
		p.Namespace = string(b[i:end])
		i = end
		if i < len(b) {
			i++ // the comma
		}
	}
	if i < len(b) && isDigit(b[i]) {
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if p.ID, err = parseAckID(b[start:i]); err != nil {
			return Packet{}, 0, err
		}
		p.HasID = true
	}
	if i < len(b) {
		p.Data = b[i:]
	}
	if err := validatePayload(&p); err != nil {
		return Packet{}, 0, err
	}
	return p, attachments, nil
}

func decodeAttachmentCount(b []byte, i, max int) (n, next int, err error) {
	if max <= 0 {
		max = DefaultMaxAttachments
	}
	start := i
	for i < len(b) && isDigit(b[i]) {
		if n = n*10 + int(b[i]-'0'); n > max {
			return 0, i, ErrTooManyAttachments
		}
		i++
	}
	if i == start || i >= len(b) || b[i] != '-' || n < 1 {
		return 0, i, ErrIllegalAttachments
	}
	return n, i + 1, nil
}

func parseAckID(digits []byte) (uint64, error) {
	var id uint64
	for _, c := range digits {
		if id = id*10 + uint64(c-'0'); id > MaxAckID {
			return 0, ErrInvalidAckID
		}
	}
	return id, nil
}

// validatePayload applies socket.io-parser's isPayloadValid to raw JSON.
func validatePayload(p *Packet) error {
	if p.Data == nil {
		if p.Type == Event {
			return ErrInvalidPayload
		}
		return nil
	}
	if p.Type == Disconnect {
		return ErrInvalidPayload
	}
	s := jsonScanner{data: p.Data}
	k, err := s.document()
	if err != nil {
		return ErrInvalidPayload
	}
	switch p.Type {
	case Connect:
		if k != kindObject {
			return ErrInvalidPayload
		}
	case ConnectError:
		if k != kindObject && k != kindString {
			return ErrInvalidPayload
		}
	case Event:
		if k != kindArray || s.firstKind != kindString {
			return ErrInvalidPayload
		}
		if isReservedQuoted(p.Data[s.firstStart:s.firstEnd]) {
			return ErrReservedEvent
		}
	case Ack:
		if k != kindArray {
			return ErrInvalidPayload
		}
	}
	return nil
}

func isReservedQuoted(quoted []byte) bool {
	name := quoted[1 : len(quoted)-1]
	for _, c := range name {
		if c == '\\' {
			var s string
			return json.Unmarshal(quoted, &s) == nil && IsReservedEvent(s)
		}
	}
	for _, r := range reservedEvents {
		if string(name) == r {
			return true
		}
	}
	return false
}

// EventName returns the name of an EVENT packet's payload (its first array
// element), unquoted.
func EventName(data []byte) (string, error) {
	s := jsonScanner{data: data}
	k, err := s.document()
	if err != nil || k != kindArray || s.firstKind != kindString {
		return "", ErrInvalidPayload
	}
	quoted := data[s.firstStart:s.firstEnd]
	var name string
	if err := json.Unmarshal(quoted, &name); err != nil {
		return "", ErrInvalidPayload
	}
	return name, nil
}

// Decoder turns a connection's Engine.IO messages into Socket.IO packets,
// reassembling binary packets from their text header and attachments. Its
// zero value is ready to use with DefaultMaxAttachments. Not safe for
// concurrent use: each connection has its own.
type Decoder struct {
	// MaxAttachments bounds a binary packet's attachments. Zero means
	// DefaultMaxAttachments, as socket.io-parser.
	MaxAttachments int

	pending Packet
	want    int
}

// Add feeds one message. It returns a packet and true when one is complete.
// After an error the decoder is reset; the connection should be closed, as
// the Node server closes it on a parse error.
func (d *Decoder) Add(msg []byte, binary bool) (Packet, bool, error) {
	if binary {
		if d.want == 0 {
			return Packet{}, false, ErrUnexpectedBinary
		}
		d.pending.Attachments = append(d.pending.Attachments, msg)
		if len(d.pending.Attachments) < d.want {
			return Packet{}, false, nil
		}
		p := d.pending
		d.Reset()
		if err := checkPlaceholders(p.Data, len(p.Attachments)); err != nil {
			return Packet{}, false, err
		}
		return p, true, nil
	}
	if d.want > 0 {
		d.Reset()
		return Packet{}, false, ErrUnexpectedText
	}
	p, n, err := DecodeText(msg, d.MaxAttachments)
	if err != nil {
		return Packet{}, false, err
	}
	if n == 0 {
		return p, true, nil
	}
	d.pending, d.want = p, n
	d.pending.Attachments = make([][]byte, 0, n)
	return Packet{}, false, nil
}

// Whole (WholeDecoder) decodes a text packet without attachments.
func (d *Decoder) Whole(msg []byte, binary bool) (Packet, bool) {
	if binary || d.want > 0 {
		return Packet{}, false
	}
	p, n, err := DecodeText(msg, d.MaxAttachments)
	return p, err == nil && n == 0
}

// Pending reports whether the decoder is waiting for attachments.
func (d *Decoder) Pending() bool { return d.want > 0 }

// Reset drops a partly reassembled packet.
func (d *Decoder) Reset() { d.pending, d.want = Packet{}, 0 }

// checkPlaceholders refuses a placeholder whose index has no attachment, as
// socket.io-parser's reconstructPacket does.
func checkPlaceholders(data []byte, n int) error {
	s := jsonScanner{data: data, collectPlaceholders: true}
	if _, err := s.document(); err != nil {
		return ErrInvalidPayload
	}
	for _, ph := range s.placeholders {
		if ph.num < 0 || ph.num >= n {
			return ErrIllegalAttachments
		}
	}
	return nil
}
