//go:build unix

package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
	"github.com/immunopass/immunopass/issuer/service"
	"net/http/httptest"
)

// BenchmarkAPIIssueConcurrent is BenchmarkAPIIssue with 32 EMR clients at
// once, anchoring through the (fake) registry on loopback: each request
// gets both formats (a SMART Health Card and one SD-JWT VC). It reports
// credentials/s issued (acknowledged, durable), the latency percentiles,
// the group commits per request, and the time until the last credential was
// anchored. cmd/issuer's BenchmarkServe does the same against the real
// binaries.
func BenchmarkAPIIssueConcurrent(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "clinic")
	if err := service.Init(dir, service.InitOptions{Issuer: "https://clinic.example", Passphrase: "pass phrase", WorkFactor: 10, AdminPassword: adminPwd}); err != nil {
		b.Fatal(err)
	}
	reg := fakeregistry.New()
	probe, err := service.Open(dir, "pass phrase", service.Options{})
	if err != nil {
		b.Fatal(err)
	}
	jwks, _ := probe.JWKS()
	probe.Close()
	keys, _, err := jose.ParseJWKS(jwks)
	if err != nil {
		b.Fatal(err)
	}
	reg.AddIssuer("https://clinic.example", keys[0])
	base, err := reg.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Stop()
	svc, err := service.Open(dir, "pass phrase", service.Options{Registry: base})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ts := httptest.NewServer(New(svc, Options{}).Handler())
	defer ts.Close()
	tok, _, _ := svc.CreateToken("admin", "bench", []string{service.ScopeRecordsWrite})
	hk, _ := jose.GenerateKey()
	u := ts.URL + "/api/v1/records?holder=" + url.QueryEscape(hk.Public().DIDKey())
	body := assets.DemoRecord()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	cpu0 := cpuNow()
	lat := loadRun(b, 32, func() error {
		req, _ := http.NewRequest("POST", u, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/fhir+json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST: %s", resp.Status)
		}
		return nil
	})
	issued := b.Elapsed()
	cpu := cpuNow() - cpu0
	for {
		st, err := svc.Anchoring()
		if err != nil {
			b.Fatal(err)
		}
		if st.Queued == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := b.Elapsed()
	b.ReportMetric(float64(2*b.N)/issued.Seconds(), "creds/s")
	b.ReportMetric(float64(2*b.N)/all.Seconds(), "anchored-creds/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(svc.Groups())/float64(b.N), "commits/req")
	// CPU time per credential, the clients' and the fake registry's
	// included: on a machine shared with other work, 2 cores divided by it
	// is what the service would reach with the cores to itself.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(2*b.N), "cpu-ms/cred")
}

// cpuNow is the CPU time this process has used (user + system).
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadRun runs do b.N times from clients goroutines and returns the sorted
// latencies; the timer covers the whole run.
func loadRun(b *testing.B, clients int, do func() error) []time.Duration {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := do(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	slices.Sort(lat)
	return lat
}
