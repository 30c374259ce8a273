// Package actormsg is how protoactor actors of your own speak to an
// Actorio server: by message, never by calling into it from Receive.
//
// Subscribe an actor to a namespace (Namespace.Subscribe, or a Subscribe
// message to the server's Gateway) and it receives a Connected, an Event
// for each event a client sends (its arguments decoded on demand, and an
// Ack handle answerable later, from any actor), a Disconnecting and a
// Disconnected for each socket. Send the Gateway an Emit, Join, Leave or
// Disconnect and it does what the Go API does (the cluster adapter,
// connection state recovery, the parser and the metrics all apply); ask it
// with ctx.Request (RoomMembers, RoomSize, SocketRooms, FetchSockets) and
// it answers with Respond. A socket is named by its namespace and id
// (Socket); Watch and WatchRoom tell an actor when one ends.
//
// No code of yours runs on Actorio's actors, and nothing here blocks yours:
// a command sent with ctx.Request is answered with a Done (its error, if
// any); one sent with ctx.Send has its error logged. Messages from one
// sender are carried out in the order sent.
package actormsg
