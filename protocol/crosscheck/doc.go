// Package crosscheck holds only a test: it runs the official npm parsers
// (engine.io-parser, socket.io-parser, socket.io-msgpack-parser) in Node
// over a vector file shared with Go, and checks byte for byte that the Go
// encoders write what Node writes and that each side decodes the other's
// output. It needs node and the repository's node_modules (npm ci).
package crosscheck
