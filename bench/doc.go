// Package bench will hold the comparison benchmark: a Go load generator, the
// Node reference server (bench/node) and the runner that measures both in
// the same run and prints ratios (../shared/BENCH-CONTRACT.md). Until then,
// `make bench` runs the micro-benchmarks next to the code.
package bench
