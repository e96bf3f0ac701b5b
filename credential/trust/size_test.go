package trust

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/immunopass/immunopass/credential/status"
)

// sizedBundle signs a bundle holding n credentials in status lists of
// perList entries of bits bits, with a fraction revoked at random.
func sizedBundle(t testing.TB, f *fixture, n, perList, bits int, revoked float64, lstOnly bool) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	// One hosted issuer with one key, the cosigned checkpoint, no advisories.
	b := f.bundle(2)
	b.Issuers = []BundleIssuer{{ID: hostedIss, Name: "Clinic", Country: "NZ", Scope: []string{Scope},
		Keys: []BundleKey{{JWK: mustKey(t).Public().JWK(), ValidFrom: t0}}}}
	for start, i := 0, 0; start < n; start, i = start+perList, i+1 {
		l, err := status.New(bits, perList)
		if err != nil {
			t.Fatal(err)
		}
		for range int(float64(perList) * revoked) {
			l.Set(r.IntN(perList), status.Revoked)
		}
		sl := BundleStatusList{URI: fmt.Sprintf("https://registry.example/v1/status/clinic/%d", i),
			Iss: hostedIss, Iat: t0.Unix(), TTL: 86400}
		sl.SetList(l)
		if lstOnly {
			sl.Size, sl.Lst, sl.Sparse = 0, l.Encode(), ""
		}
		b.StatusLists = append(b.StatusLists, sl)
	}
	return f.sign(t, b)
}

// TestBundleSize checks the size goal: ≤ 20 KB per 1M credentials at 1%
// revoked, with the rest of a realistic bundle (issuer, keys, checkpoint,
// advisories), lists in the form SetList picks (sparse here). go test -v
// -run BundleSize prints the table, with the "lst"-only size for comparison.
func TestBundleSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 10M-entry lists")
	}
	f := newFixture(t)
	for _, c := range []struct {
		n, perList, bits int
		limit            int
	}{
		{1_000_000, 1_000_000, 1, 20_000},
		{10_000_000, 1_000_000, 1, 200_000},
		{1_000_000, 1_000_000, 2, 20_000},
		{1_000_000, 1 << 20, 2, 20_000},
		{10_000_000, 1 << 20, 2, 200_000},
	} {
		data := sizedBundle(t, f, c.n, c.perList, c.bits, 0.01, false)
		s := New()
		if _, err := s.LoadBundle("b", data, f.policy, t0); err != nil || len(s.Issuer(hostedIss).Problems) != 0 {
			t.Fatal(err, s.Issuer(hostedIss).Problems)
		}
		old := sizedBundle(t, f, c.n, c.perList, c.bits, 0.01, true)
		perM := float64(len(data)) / float64(c.n/1_000_000) / 1000
		t.Logf("%d credentials, lists of %d %d-bit entries, 1%% revoked: bundle %d bytes (%.1f KB per 1M); with \"lst\" %d bytes",
			c.n, c.perList, c.bits, len(data), perM, len(old))
		if c.limit > 0 && len(data) > c.limit {
			t.Errorf("%d credentials: %d bytes, more than %d", c.n, len(data), c.limit)
		}
	}
}
