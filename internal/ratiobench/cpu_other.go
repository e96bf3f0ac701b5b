//go:build !unix

package ratiobench

import "time"

// cpuTime is not read on this platform: Run reports wall-clock figures only.
func cpuTime() time.Duration { return 0 }
