// Package ratiobench measures a code path against its baseline on a shared,
// busy machine: the two run interleaved, in alternating short batches
// inside one benchmark, and the figure reported is the median of the
// per-batch ratios, so that load which comes and goes hits both sides of
// each ratio alike instead of whichever `go test -count` ran second.
package ratiobench

import (
	"slices"
	"testing"
	"time"
)

// Batch is the number of calls of each side per batch.
const Batch = 8

// Run calls ours and base b.N times each, in alternating batches of Batch
// calls (the side that goes first alternates too), and reports
// "ours-ns/op", "base-ns/op" (medians over batches) and "ratio" (the median
// of ours/base per batch). A non-nil error from either side fails b.
//
// Where the process's CPU time can be read (unix), it also reports
// "cpu-ratio": the same median over the CPU time each batch used, all
// threads included (so the garbage collector's work counts against the side
// that made the garbage). On a machine shared with other work, a batch that
// loses its core to another process takes longer by the wall clock but not
// by CPU time, so cpu-ratio stays put when the load comes and goes.
func Run(b *testing.B, ours, base func() error) {
	b.Helper()
	var ratios, cpuRatios, os, bs []float64
	batch := func(f func() error, n int) (time.Duration, time.Duration) {
		c0, t0 := cpuTime(), time.Now()
		for range n {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(t0), cpuTime() - c0
	}
	b.ResetTimer()
	for done, i := 0, 0; done < b.N; i++ {
		n := min(Batch, b.N-done)
		var to, tb, co, cb time.Duration
		if i%2 == 0 {
			tb, cb = batch(base, n)
			to, co = batch(ours, n)
		} else {
			to, co = batch(ours, n)
			tb, cb = batch(base, n)
		}
		done += n
		ratios = append(ratios, float64(to)/float64(tb))
		if cb > 0 {
			cpuRatios = append(cpuRatios, float64(co)/float64(cb))
		}
		os = append(os, float64(to)/float64(n))
		bs = append(bs, float64(tb)/float64(n))
	}
	b.StopTimer()
	b.ReportMetric(median(os), "ours-ns/op")
	b.ReportMetric(median(bs), "base-ns/op")
	b.ReportMetric(median(ratios), "ratio")
	if len(cpuRatios) > len(ratios)/2 {
		b.ReportMetric(median(cpuRatios), "cpu-ratio")
	}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs) == 0 {
		return 0
	}
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
