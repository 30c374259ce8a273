// Package runner runs the comparison benchmark: it starts each server
// (the Node reference and Actorio's bench mode; for lobbygame, each side's
// lobby game: bench/node/lobby.js and examples/lobby) pinned to one CPU, drives
// the scenarios with package loadgen from the other CPU, samples the
// server's CPU time and RSS from /proc at the edges of every measured
// window, and reports figures per server, Actorio/Node ratios, server CPU
// per delivered message and generator saturation as a table, JSON and an
// SVG chart.
//
// It is not a library for other code: one goroutine drives it (Run), and
// every server it starts is killed when Run returns, on KillAll, or when the
// runner dies (Pdeathsig).
package runner
