// Package eio3 encodes and decodes Engine.IO protocol v3 (the protocol of
// Socket.IO 2.x clients, engine.io-client 3.x), for servers that accept
// those clients (Node's allowEIO3). Packet types and the handshake JSON are
// v4's (package eio); what differs is how packets are put on the wire:
//
//   - a binary message over WebSocket is a binary frame that starts with the
//     packet type byte (4), not the bare data;
//   - a base64 binary packet in text is 'b', the type digit, then base64
//     ("b4AQID"), not 'b' and base64;
//   - a polling payload is a series of "<length>:<packet>" records, the
//     length counted in UTF-16 code units as JavaScript counts a string's,
//     or, for a client that takes binary (XHR2, no "b64" in its query) and
//     when a packet is binary, the binary payload form:
//     <0 string | 1 binary><length as one byte per decimal digit><0xff><packet>.
//
// It is pure, as package eio: bytes in, values out, standard library only,
// limits as parameters, no panic on any input. Decoded packets alias the
// caller's buffer, but for base64 ones. Heartbeat direction (the v3 client
// pings, the server answers pong) belongs to the session actor.
package eio3
