package eio

import "bytes"

// RecordSeparator joins the packets of a polling payload.
const RecordSeparator = 0x1e

// DecodePayload splits a polling payload into packets and hands each to fn
// in order, stopping at the first error (from decoding or from fn). A body
// longer than maxPayload (if > 0) is refused whole with ErrPayloadTooLarge
// before anything is decoded, so no packet of an oversized POST is acted on.
func DecodePayload(body []byte, maxPayload int, fn func(Packet) error) error {
	if maxPayload > 0 && len(body) > maxPayload {
		return ErrPayloadTooLarge
	}
	for {
		i := bytes.IndexByte(body, RecordSeparator)
		rec := body
		if i >= 0 {
			rec = body[:i]
		}
		p, err := DecodeText(rec)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if i < 0 {
			return nil
		}
		body = body[i+1:]
	}
}

// AppendPayload appends packets as one polling payload, joined by the record
// separator.
func AppendPayload(dst []byte, packets ...Packet) ([]byte, error) {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, RecordSeparator)
		}
		var err error
		if dst, err = AppendPolling(dst, p); err != nil {
			return dst, err
		}
	}
	return dst, nil
}
