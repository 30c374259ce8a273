//go:build !unix

package actorio_test

import "time"

// processCPU is not measured here: benchmarks leave cpu-ns/op out.
func processCPU() time.Duration { return 0 }
