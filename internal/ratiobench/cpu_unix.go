//go:build unix

package ratiobench

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the whole process has used (user + system, all
// threads, the garbage collector's included), or 0 if it cannot be read.
// Unlike the wall clock it does not count the time other processes on a
// shared machine hold the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
