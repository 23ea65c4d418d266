//go:build !unix

package amortization

import "time"

// processCPU is not measured outside unix: cpu-ns/op then reads 0.
func processCPU() time.Duration { return 0 }
