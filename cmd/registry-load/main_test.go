package main

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"

	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}

func startRegistry(tb testing.TB) *Registry {
	tb.Helper()
	r, err := StartRegistry(context.Background(), tb.TempDir(), anchorlog.EnginePOSIX, "", serving)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// TestSignedRun drives the registry server with signed requests: every sampled
// anchor gets its proof, and the unsigned API shape is refused by it.
func TestSignedRun(t *testing.T) {
	r := startRegistry(t)
	ctx := context.Background()
	res, err := loadtest.Run(ctx, loadtest.Options{URL: r.URL, Post: r.Post, Concurrency: 4, Batch: 20,
		Duration: 300 * time.Millisecond, ProofEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Anchors == 0 || res.ProofSamples == 0 || res.ProofsTimedOut != 0 {
		t.Fatalf("signed load run: %v", res)
	}
	t.Log(res)
	var d [32]byte
	rand.Read(d[:])
	if _, err := loadtest.PostAnchors(ctx, http.DefaultClient, r.URL, [][32]byte{d}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("unsigned anchor request to the registry: %v, want 401", err)
	}
}

const benchClients, benchBatch = 16, 100

// load sends n batches of benchBatch fresh digests from benchClients
// goroutines through add and returns anchors/s.
func load(b *testing.B, n int, add func([][32]byte) error) float64 {
	var wg sync.WaitGroup
	per := n/benchClients + 1
	start := time.Now()
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				ds := make([][32]byte, benchBatch)
				for i := range ds {
					rand.Read(ds[i][:])
				}
				if err := add(ds); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(per*benchClients*benchBatch) / time.Since(start).Seconds()
}

// BenchmarkAnchorsSigned: signed anchor requests (issuer.Registry, ES256) through
// the registry server over loopback HTTP, durable; signed/direct is its rate
// over concurrent Log.Add calls on a fresh log measured in the same run.
func BenchmarkAnchorsSigned(b *testing.B) {
	ctx := context.Background()
	direct, err := anchorlog.Create(ctx, anchorlog.Config{Dir: b.TempDir(), Origin: "bench.test/immunopass/log"})
	if err != nil {
		b.Fatal(err)
	}
	baseline := load(b, max(b.N, 200), func(ds [][32]byte) error { _, err := direct.Add(ctx, ds); return err })
	direct.Close()
	r := startRegistry(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients}, Timeout: time.Minute}
	b.ResetTimer()
	rate := load(b, b.N, func(ds [][32]byte) error { _, err := r.Post(ctx, c, ds); return err })
	b.ReportMetric(rate, "anchors/s")
	b.ReportMetric(baseline, "direct-anchors/s")
	b.ReportMetric(rate/baseline, "signed/direct")
}
