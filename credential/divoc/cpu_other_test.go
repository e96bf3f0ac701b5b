//go:build !unix

package divoc_test

import "time"

// processCPU is not read here: BenchmarkSideBySide reports wall times only.
func processCPU() time.Duration { return 0 }
