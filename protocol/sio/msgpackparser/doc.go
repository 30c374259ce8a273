// Package msgpackparser is the Socket.IO msgpack parser, wire-compatible with
// the npm package socket.io-msgpack-parser: every packet is one binary
// Engine.IO message holding a msgpack map {type, data, nsp, id}, and binary
// data travels inside it as msgpack bin, so there are no attachments.
//
// Packet.Data is the raw msgpack of the data field, kept as received.
// Hostile input is walked by a bounded scanner (nesting depth, lengths
// checked against the bytes present) before the msgpack library sees it.
// Decoders hold no state and are safe for concurrent use.
//
// Arguments follow the default parser's JSON: AppendValue writes a Go
// value as encoding/json describes it (binary as bin), the bytes
// notepack.io writes for the same value; AppendJSON reads a msgpack value
// back as the JSON the default parser would have carried (binary as
// base64), for encoding/json to decode.
package msgpackparser
