// Package actorio is a Socket.IO v4 server for Go (Engine.IO protocol v4,
// Socket.IO protocol v5), wire-compatible with the official JavaScript
// client, built on actors (github.com/asynkron/protoactor-go): every
// Engine.IO session, namespace and room is an actor.
//
// This is the only package users import. The layers below it are:
// protocol/ (pure codecs), transport/ (polling, WebSocket, outbound queues),
// actors/ (session, namespace and room actors) and adapter/ (clustering).
// The server API arrives with the Socket.IO layer; today the protocol codecs
// are complete and tested against the official npm parsers.
package actorio
