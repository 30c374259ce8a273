package eio

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/actorio/actorio/protocol/internal/jsonw"
)

// ErrInvalidHandshake reports an open packet whose JSON is not a handshake.
var ErrInvalidHandshake = errors.New("eio: invalid handshake")

// Handshake is the JSON an open packet carries. The encoder writes exactly
// these five keys in this order, as the Node server does.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"` // milliseconds
	PingTimeout  int      `json:"pingTimeout"`  // milliseconds
	MaxPayload   int      `json:"maxPayload"`   // bytes
}

// AppendOpen appends the whole open packet: '0' followed by the handshake.
func AppendOpen(dst []byte, h Handshake) []byte {
	dst = append(dst, '0'+byte(Open))
	return AppendHandshake(dst, h)
}

// AppendHandshake appends the handshake JSON, compact, keys in order.
func AppendHandshake(dst []byte, h Handshake) []byte {
	dst = append(dst, `{"sid":`...)
	dst = jsonw.AppendString(dst, h.SID)
	dst = append(dst, `,"upgrades":[`...)
	for i, u := range h.Upgrades {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, u)
	}
	dst = append(dst, `],"pingInterval":`...)
	dst = strconv.AppendInt(dst, int64(h.PingInterval), 10)
	dst = append(dst, `,"pingTimeout":`...)
	dst = strconv.AppendInt(dst, int64(h.PingTimeout), 10)
	dst = append(dst, `,"maxPayload":`...)
	dst = strconv.AppendInt(dst, int64(h.MaxPayload), 10)
	return append(dst, '}')
}

// ParseHandshake decodes the data of an open packet (without the '0').
// Clients, tests and the load generator use it.
func ParseHandshake(data []byte) (Handshake, error) {
	var h Handshake
	if err := json.Unmarshal(data, &h); err != nil || h.SID == "" {
		return Handshake{}, ErrInvalidHandshake
	}
	return h, nil
}
