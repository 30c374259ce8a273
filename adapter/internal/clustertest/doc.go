// Package clustertest holds what the tests of the cluster adapters share:
// an Actorio server that speaks testdata/cluster/node_server.js's event
// protocol (StartGo), so one test drives Go and Node members alike; one
// node process holding many official socket.io-client sockets (Clients,
// testdata/cluster/clients.js); the scenarios run on every pair of members
// (Scenario, Recovery, ServerKilled); the goroutine-leak check after Close
// (NoAdapterGoroutines); and the cross-server benchmark.
//
// It is for tests only. Every wait is bounded by testkit.Timeout. A
// Clients' methods may be called from the test's goroutine only.
package clustertest
