package redisstreams

import (
	"strconv"
	"unicode/utf16"
)

// hashCode is the Node adapter's util.hashCode: Java's String.hashCode over
// UTF-16 code units, in 32-bit arithmetic.
func hashCode(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(c)
	}
	return h
}

// streamName is the stream of namespace nsp, as Node's computeStreamName
// (JavaScript's %, like Go's, keeps the sign: a negative hash names
// "<name>--1").
func (o *Options) streamName(nsp string) string {
	if o.StreamCount == 1 {
		return o.StreamName
	}
	return o.StreamName + "-" + strconv.Itoa(int(hashCode(nsp)%int32(o.StreamCount)))
}

// streamNames are every stream the adapter reads.
func (o *Options) streamNames() []string {
	if o.StreamCount == 1 {
		return []string{o.StreamName}
	}
	out := make([]string, o.StreamCount)
	for i := range out {
		out[i] = o.StreamName + "-" + strconv.Itoa(i)
	}
	return out
}

func (o *Options) publicChannel(nsp string) string { return o.ChannelPrefix + "#" + nsp + "#" }

func (o *Options) privateChannel(nsp, uid string) string {
	return o.ChannelPrefix + "#" + nsp + "#" + uid + "#"
}
