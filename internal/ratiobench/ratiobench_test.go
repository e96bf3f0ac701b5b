package ratiobench

import (
	"crypto/sha256"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// BenchmarkRun: hashing 4 KiB against hashing 1 KiB reports a ratio near 4.
func BenchmarkRun(b *testing.B) {
	big, small := make([]byte, 4096), make([]byte, 1024)
	Run(b, func() error { sha256.Sum256(big); return nil }, func() error { sha256.Sum256(small); return nil })
}

// TestCPUTime: spinning for 20 ms of wall time shows as CPU time (on a busy
// machine less than 20 ms may be ours, but some must be).
func TestCPUTime(t *testing.T) {
	c0 := cpuTime()
	if c0 == 0 {
		t.Skip("no process CPU clock on this platform")
	}
	x := 0
	for t0 := time.Now(); time.Since(t0) < 20*time.Millisecond; {
		x++
	}
	if d := cpuTime() - c0; d <= 0 || d > time.Second {
		t.Errorf("spinning 20 ms used %v of CPU (%d loops)", d, x)
	}
}
