// Package eio encodes and decodes Engine.IO protocol v4 packets: single
// packets (a WebSocket frame or one record of a polling payload), polling
// payloads joined by the record separator 0x1e, and the handshake that the
// open packet carries.
//
// It is pure: bytes in, values out, standard library only, no I/O, no time,
// no goroutines. Decoders never panic and take their limits as parameters;
// decoded packets alias the caller's buffer. Encoders append to a caller's
// buffer so the hot path can reuse memory.
//
// It is not for deciding what a packet means to a session (heartbeats,
// upgrades, closes): that belongs to the session actor.
package eio
