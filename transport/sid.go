package transport

import (
	"crypto/rand"
	"encoding/base64"
)

// NewSID returns 20 URL-safe characters from 15 random bytes: the length of
// Node's ids, which the cluster adapters rely on.
func NewSID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
