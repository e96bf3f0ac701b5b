//go:build unix

package divoc_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user + system, all
// threads), for BenchmarkSideBySide.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
