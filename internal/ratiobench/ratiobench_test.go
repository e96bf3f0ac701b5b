package ratiobench

import (
	"crypto/sha256"
	"testing"
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
