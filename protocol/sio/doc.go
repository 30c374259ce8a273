// Package sio encodes and decodes Socket.IO protocol v5 packets with the
// default parser (JSON text plus binary attachments), as the npm package
// socket.io-parser does, and defines the Parser seam that the msgpack parser
// (package msgpackparser) also fills.
//
// JSON data is kept as raw bytes: what a client sent is what an echo sends
// back, byte for byte (key order and compact form preserved). Nothing here
// round-trips data through map[string]any.
//
// It is pure: bytes in, values out, standard library only, no I/O, no time,
// no goroutines. Decoders never panic and take their limits as parameters.
// A Decoder holds the state of one connection's binary reassembly and is not
// safe for concurrent use; everything else is.
package sio
