package streamwire

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

// Stream is the stream of namespace nsp among count streams called name,
// as Node's computeStreamName: name itself when count is 1 (or less),
// else "<name>-<i>", i the namespace's hash modulo count (JavaScript's %,
// like Go's, keeps the sign: a negative hash names "<name>--1").
func Stream(name string, count int, nsp string) string {
	if count <= 1 {
		return name
	}
	return name + "-" + strconv.Itoa(int(hashCode(nsp)%int32(count)))
}

// Streams are all count streams called name, the ones a server reads.
func Streams(name string, count int) []string {
	if count <= 1 {
		return []string{name}
	}
	out := make([]string, count)
	for i := range out {
		out[i] = name + "-" + strconv.Itoa(i)
	}
	return out
}
