// Package bench is the comparison benchmark of Actorio against the Node.js
// socket.io server, in its own Go module so the root `make test` stays fast.
//
//   - node/: the Node reference server (socket.io 4.8.x, defaults) that
//     implements docs/bench-contract.md, and lobby.js, the lobby game of
//     issue 11's example on the Node server (README.md, "The lobby game");
//   - loadgen/: the epoll load generator (no JSON on the hot path, latency
//     from the intended send time, loss counted, its own CPU reported);
//   - runner/ and cmd/actorio-bench/: start each server pinned to one CPU,
//     run the scenarios (conns, fanout, lobby, echo, tick, cluster, and
//     lobbygame on each side's game server) against both in the same run,
//     and print one table with ratios; results go to results/.
//
// `make bench` is the quick pass (under 5 minutes), `make bench-full` finds
// the fanout breaking points. README.md says how to read the table.
package bench
