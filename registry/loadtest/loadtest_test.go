package loadtest_test

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

func newLog(tb testing.TB) *anchorlog.Log {
	l, err := anchorlog.Create(context.Background(), anchorlog.Config{Dir: tb.TempDir(), Origin: "bench.test/immunopass/log"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

func serve(tb testing.TB, l *anchorlog.Log) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: loadtest.Handler(l)}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

const benchClients, benchBatch = 16, 100

// BenchmarkAnchorsDirect is the baseline: concurrent Log.Add calls, no HTTP.
func BenchmarkAnchorsDirect(b *testing.B) {
	l := newLog(b)
	ctx := context.Background()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/benchClients + 1
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				ds := make([][32]byte, benchBatch)
				for i := range ds {
					rand.Read(ds[i][:])
				}
				if _, err := l.Add(ctx, ds); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*benchClients*benchBatch)/b.Elapsed().Seconds(), "anchors/s")
}

// BenchmarkAnchorsHTTP posts the same load over HTTP on loopback; compare anchors/s with the baseline.
func BenchmarkAnchorsHTTP(b *testing.B) {
	l := newLog(b)
	base := serve(b, l)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients}}
	ctx := context.Background()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/benchClients + 1
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				ds := make([][32]byte, benchBatch)
				for i := range ds {
					rand.Read(ds[i][:])
				}
				if _, err := loadtest.PostAnchors(ctx, c, base, ds); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*benchClients*benchBatch)/b.Elapsed().Seconds(), "anchors/s")
}

// BenchmarkTileReads reads full level-0 tiles and entry bundles over HTTP from 16 clients.
func BenchmarkTileReads(b *testing.B) {
	l := newLog(b)
	ctx := context.Background()
	for range 20 {
		ds := make([][32]byte, 1000)
		for i := range ds {
			rand.Read(ds[i][:])
		}
		if _, err := l.Add(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	base := serve(b, l)
	for {
		if cp, _ := l.Checkpoint(ctx); len(cp) > 0 && string(cp) != "" {
			if rps, _, err := loadtest.TileReads(ctx, base, 1, time.Millisecond); err == nil && rps >= 0 {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.ResetTimer()
	rps, n, err := loadtest.TileReads(ctx, base, benchClients, time.Duration(b.N)*100*time.Microsecond+200*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rps, "requests/s")
	b.ReportMetric(float64(n), "requests")
}

var anchorCases = []struct {
	body string
	ok   bool
}{
	{`{"digests":["` + hex64("a") + `"]}`, true},
	{`{"digests":["` + hex64("a") + `","` + hex64("b") + `"]}`, true},
	{`{"digests":[]}`, false},
	{`{"digests":["` + hex64("A") + `"]}`, false},
	{`{"digests":["abc"]}`, false},
	{`{"digests":["` + hex64("a") + `"],"x":1}`, false},
	{`{"digests":["` + hex64("a") + `"],"digests":[]}`, false},
	{`{"digests":["` + hex64("g") + `"]}`, false},
	{`[]`, false},
	{``, false},
}

func hex64(c string) string {
	s := ""
	for range 64 {
		s += c
	}
	return s
}

func TestParseAnchorRequest(t *testing.T) {
	for _, c := range anchorCases {
		ds, err := loadtest.ParseAnchorRequest([]byte(c.body))
		if (err == nil) != c.ok {
			t.Errorf("ParseAnchorRequest(%.80q) = %v, want ok=%v", c.body, err, c.ok)
		}
		if err == nil && len(ds) == 0 {
			t.Errorf("ParseAnchorRequest(%.80q) gave no digests", c.body)
		}
	}
}

func FuzzParseAnchorRequest(f *testing.F) {
	for _, c := range anchorCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ds, err := loadtest.ParseAnchorRequest(body)
		if err == nil && (len(ds) == 0 || len(ds) > loadtest.MaxDigests) {
			t.Fatalf("ParseAnchorRequest(%q) accepted %d digests", body, len(ds))
		}
	})
}

// TestRun runs the load tool briefly against a served log: every anchor gets a proof.
func TestRun(t *testing.T) {
	l := newLog(t)
	base := serve(t, l)
	r, err := loadtest.Run(context.Background(), loadtest.Options{URL: base, Concurrency: 4, Batch: 50, Duration: 300 * time.Millisecond, ProofEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Anchors == 0 || r.ProofSamples == 0 || r.ProofsTimedOut != 0 {
		t.Fatalf("load run: %v", r)
	}
	t.Log(r)
}
