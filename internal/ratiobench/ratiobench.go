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
func Run(b *testing.B, ours, base func() error) {
	b.Helper()
	var ratios, os, bs []float64
	batch := func(f func() error, n int) time.Duration {
		t0 := time.Now()
		for range n {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(t0)
	}
	b.ResetTimer()
	for done, i := 0, 0; done < b.N; i++ {
		n := min(Batch, b.N-done)
		var to, tb time.Duration
		if i%2 == 0 {
			tb = batch(base, n)
			to = batch(ours, n)
		} else {
			to = batch(ours, n)
			tb = batch(base, n)
		}
		done += n
		ratios = append(ratios, float64(to)/float64(tb))
		os = append(os, float64(to)/float64(n))
		bs = append(bs, float64(tb)/float64(n))
	}
	b.StopTimer()
	b.ReportMetric(median(os), "ours-ns/op")
	b.ReportMetric(median(bs), "base-ns/op")
	b.ReportMetric(median(ratios), "ratio")
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
