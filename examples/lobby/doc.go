// Command lobby is a game lobby built from protoactor actors of its own on
// Actorio's embedding API: a matchmaker actor pairs the players who queue
// into matches of MATCH_SIZE; each match is an actor that owns its room,
// runs a fixed-rate tick (TICK_HZ, on absolute time), applies the inputs
// its players send and broadcasts a snapshot every tick; a player who
// drops is held GRACE_MS and recovered by connection state recovery.
//
// The actors never call into the server: they receive socket traffic as
// actormsg messages (the matchmaker is subscribed to the namespace) and
// send commands (Join, Emit) to the server's gateway actor.
//
// Run it with `make lobby` and open http://localhost:3000: the page plays
// one player with the arrow keys. `-help` lists the settings.
//
// The protocol, namespace "/", auth {"name": "..."}:
//
//	client -> queue (ack)         ack {"queued": true} or {"queued": false, "error": "..."}
//	server -> matched             {"match", "room", "players": [names], "you": index}
//	server -> state (each tick)   {"tick", "t": ms since the epoch, "players": [{"name", "x", "y", "on"}]}
//	client -> input (ack)         {"seq", "dx": -1|0|1, "dy": -1|0|1}; ack {"seq", "tick": the tick it applies at}
//	server -> left                {"name"}: a dropped player did not come back in time
//
// The files, one concept each: main.go (the server, the actor system, the
// page), config.go (flags and environment), matchmaker.go and match.go
// (the two actors), lobby.go, game.go and schedule.go (their state, plain
// types tested on their own), web/ (the page, embedded).
//
// Concurrency: every piece of game state is owned by one actor and touched
// only in its Receive; nothing there blocks. The only other goroutines are
// the match timers, which just send their match a message.
package main
