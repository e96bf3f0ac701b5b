package registry

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
)

// simulatedBundle signs a bundle for n credentials of one issuer, 1% of them
// revoked, in lists of DefaultListSize 2-bit entries as the registry makes
// them, with a cosigned-size checkpoint placeholder; lstOnly puts the lists
// in the "lst" form instead of the one the registry picks.
func simulatedBundle(tb testing.TB, n int, lstOnly bool) []byte {
	key, err := jose.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := &trust.Bundle{Version: 1, Issued: time.Now().UTC().Truncate(time.Second), Registry: testURL,
		Issuers: []trust.BundleIssuer{{ID: testURL + "/issuers/alnoor", Name: "Al Noor Family Clinic", Country: "AE",
			Scope: []string{"immunization"}, Keys: []trust.BundleKey{{JWK: key.Public().JWK()}}}},
		Checkpoint: "registry.example/immunopass/log\n1000000\nq3pzV0M3dlTwAT5dJvqJ0rwpIHfnUNCqJWfl+jX4sDk=\n\n— registry.example/immunopass/log Az3grmqbvmW4NsE/vFAY6CNA8wTpXaUTu9yJ5hwcCtIWBb44G6lrLUPLqw8TuhcmLX7ZdJuBMwBZ3a9Jt2mRVvJ0dNoI\n— witness-a.example 0oOsXDBy+4LNzP0iGJYE2ZNnFcUzqAAAAABnQxkxp0s/PbfEwK6VS3UPw3hlOL0VQ1aEuuxVkV9jPXoNa2dQkxIs55vQ5tfMbbWJSjQ2uNHQQXBgCHDGuEP3Qw==\n"}
	for left, i := n, 1; left > 0; i++ {
		l, err := status.New(ListBits, DefaultListSize)
		if err != nil {
			tb.Fatal(err)
		}
		used := min(left, 1_000_000) // lists are filled to ~95% before the next opens
		for r := 0; r < used/100; r++ {
			if err := l.Set(rng.IntN(DefaultListSize), status.Revoked); err != nil {
				tb.Fatal(err)
			}
		}
		left -= used
		sl := trust.BundleStatusList{URI: testURL + "/v1/status/alnoor/" + strconv.Itoa(i),
			Iss: b.Issuers[0].ID, Iat: b.Issued.Unix(), TTL: 3600}
		sl.SetList(l) // as buildBundle does: the sparse form here
		if lstOnly {
			sl.Size, sl.Lst, sl.Sparse = 0, l.Encode(), ""
		}
		b.StatusLists = append(b.StatusLists, sl)
	}
	data, err := b.Sign(key)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkBundleSize reports the signed bundle's size for 1M and 10M
// credentials at 1% revoked (goal: ≤ 20 KB per 1M).
func BenchmarkBundleSize(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run(c.name, func(b *testing.B) {
			var size, lst int
			for i := 0; i < b.N; i++ {
				size = len(simulatedBundle(b, c.n, false))
			}
			b.StopTimer()
			lst = len(simulatedBundle(b, c.n, true))
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(size)/float64(c.n)*1e6/1000, "KB/1M")
			b.ReportMetric(float64(lst), "lst-bytes")
		})
	}
}

// BenchmarkBundleReads: GET /v1/bundle from concurrent clients on loopback
// (the cached signed bundle; one issuer, one list).
func BenchmarkBundleReads(b *testing.B) {
	w := newWorld(b)
	k, iss := w.issuer("alnoor")
	w.post(k, iss, "/v1/status/allocate", map[string]any{"count": 10})
	if resp, _ := w.bundle(); resp.StatusCode != 200 {
		b.Fatal(resp.Status)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c := &http.Client{Transport: tr}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(w.srv.URL + "/v1/bundle")
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
}
