package loadtest_test

import (
	"context"
	"crypto/rand"
	"io"
	"k8s.io/klog/v2"
	"net"
	"net/http"
	"os"
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

// anchorLoad sends n requests of benchBatch fresh digests from benchClients goroutines through add and
// returns anchors/s.
func anchorLoad(b *testing.B, n int, add func([][32]byte) error) float64 {
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

// BenchmarkAnchorsDirect: concurrent Log.Add calls, no HTTP (the baseline).
func BenchmarkAnchorsDirect(b *testing.B) {
	l := newLog(b)
	ctx := context.Background()
	b.ResetTimer()
	rate := anchorLoad(b, b.N, func(ds [][32]byte) error { _, err := l.Add(ctx, ds); return err })
	b.ReportMetric(rate, "anchors/s")
}

// BenchmarkAnchorsHTTP: the same load as JSON requests over HTTP on loopback, durable; the ratio metric
// is its rate over the direct baseline measured in the same run on another fresh log.
func BenchmarkAnchorsHTTP(b *testing.B) {
	ctx := context.Background()
	direct := newLog(b)
	baseline := anchorLoad(b, max(b.N, 200), func(ds [][32]byte) error { _, err := direct.Add(ctx, ds); return err })
	l := newLog(b)
	base := serve(b, l)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients}}
	b.ResetTimer()
	rate := anchorLoad(b, b.N, func(ds [][32]byte) error { _, err := loadtest.PostAnchors(ctx, c, base, ds); return err })
	b.ReportMetric(rate, "anchors/s")
	b.ReportMetric(rate/baseline, "http/direct")
}

// BenchmarkProof: inclusion proofs (tlog-proof text) from a log of 100,000 entries.
func BenchmarkProof(b *testing.B) {
	l := newLog(b)
	ctx := context.Background()
	var all [][32]byte
	for range 50 {
		ds := make([][32]byte, 2000)
		for i := range ds {
			rand.Read(ds[i][:])
		}
		if _, err := l.Add(ctx, ds); err != nil {
			b.Fatal(err)
		}
		all = append(all, ds...)
	}
	for {
		if _, err := l.Proof(ctx, all[len(all)-1]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := l.Proof(ctx, all[(i*7919)%len(all)]); err != nil {
			b.Fatal(err)
		}
	}
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

func TestMain(m *testing.M) {
	// Tessera logs through klog; keep benchmark output readable.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}
