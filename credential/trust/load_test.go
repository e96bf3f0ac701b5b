package trust

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/status"
)

const hostedIss = "https://registry.example/issuers/clinic"

// hostedBundle returns a bundle with one hosted issuer that has an old key
// (valid until t0), a current key and a compromised key, plus a status
// list with entry 5 revoked.
func hostedBundle(t testing.TB, f *fixture) (b *Bundle, old, cur, bad *jose.PrivateKey) {
	old, cur, bad = mustKey(t), mustKey(t), mustKey(t)
	l, _ := status.New(2, status.MinSize)
	l.Set(5, status.Revoked)
	b = f.bundle(2)
	b.Issuers = []BundleIssuer{{
		ID: hostedIss, Name: "Clinic", Country: "NZ", Scope: []string{"immunization"},
		ValidFrom: t0.Add(-1000 * time.Hour),
		Keys: []BundleKey{
			{JWK: old.Public().JWK(), ValidUntil: t0},
			{JWK: cur.Public().JWK(), ValidFrom: t0},
			{JWK: bad.Public().JWK(), CompromisedAt: t0, CompromisedLogSize: 10},
		},
	}, {ID: "https://gone.example", Name: "Gone", Suspended: true, SuspendedAt: t0, Keys: []BundleKey{{JWK: mustKey(t).Public().JWK()}}}}
	b.StatusLists = []BundleStatusList{{URI: "https://registry.example/v1/status/clinic/1", Iss: hostedIss, Bits: 2, Lst: l.Encode(), Iat: t0.Unix(), TTL: 3600}}
	b.Advisories = []Advisory{
		{ID: "a1", Title: "Measles", Body: "Check MMR", Region: "NZ-AUK", Severity: "high", Issued: t0, Expires: t0.Add(48 * time.Hour)},
		{ID: "a0", Title: "Old", Body: "x", Issued: t0.Add(-100 * time.Hour), Expires: t0.Add(-1 * time.Hour)},
	}
	return b, old, cur, bad
}

func mustKey(t testing.TB) *jose.PrivateKey {
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadBundle(t *testing.T) {
	f := newFixture(t)
	b, old, cur, bad := hostedBundle(t, f)
	s := New()
	if _, err := s.LoadBundle("b", f.sign(t, b), f.policy, t0); err != nil {
		t.Fatal(err)
	}
	is := s.Issuer(hostedIss)
	if is == nil || is.Name != "Clinic" || is.Country != "NZ" || len(is.KIDs()) != 3 || len(is.Problems) != 0 || is.Registry != "https://registry.example" {
		t.Fatalf("issuer %+v", is)
	}
	if _, err := s.ResolveKey(hostedIss, cur.Public().KID()); err != nil {
		t.Fatal(err)
	}
	if c := s.Checkpoint(); c == nil || c.Size != 1 || len(c.Cosigned) != 2 {
		t.Fatalf("checkpoint %+v", c)
	}
	if a := s.Advisories(t0.Add(time.Hour)); len(a) != 1 || a[0].ID != "a1" {
		t.Fatalf("advisories %+v", a)
	}
	idx := func(i uint64) *uint64 { return &i }
	for _, c := range []struct {
		name    string
		iss     string
		kid     string
		issued  time.Time
		proof   *uint64
		suspend bool
		want    string
	}{
		{"current key", hostedIss, cur.Public().KID(), t0.Add(time.Hour), nil, false, ""},
		{"old key while valid", hostedIss, old.Public().KID(), t0.Add(-time.Hour), nil, false, ""},
		{"old key after its window", hostedIss, old.Public().KID(), t0.Add(time.Hour), nil, false, "after the key's validity ended 2026-11-20T09:00:00Z"},
		{"new key before its window", hostedIss, cur.Public().KID(), t0.Add(-time.Hour), nil, false, "before the key's validity from"},
		{"before accreditation", hostedIss, cur.Public().KID(), t0.Add(-2000 * time.Hour), nil, false, "before the issuer's accreditation"},
		{"compromised, no proof", hostedIss, bad.Public().KID(), t0.Add(-time.Hour), nil, false, "no anchoring proof"},
		{"compromised, anchored before", hostedIss, bad.Public().KID(), t0.Add(-time.Hour), idx(9), false, ""},
		{"compromised, anchored after", hostedIss, bad.Public().KID(), t0.Add(-time.Hour), idx(10), false, "anchored at log index 10, not before the compromise (log size 10)"},
		{"suspended issuer", "https://gone.example", "x", t0, nil, true, "suspended by the registry since 2026-11-20T09:00:00Z"},
		{"snapshot-only issuer", "https://other.example", "x", t0, nil, false, ""},
	} {
		err := s.CheckUse(c.iss, c.kid, c.issued, c.proof)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		case c.suspend && !isA[*SuspendedError](err), !c.suspend && c.want != "" && !isA[*KeyUsageError](err):
			t.Errorf("%s: type %T", c.name, err)
		}
	}
	// The bundle's status list speaks for its issuer only.
	uri := "https://registry.example/v1/status/clinic/1"
	if v, err := s.StatusFor(hostedIss, t0).Status(uri, 5); err != nil || v != status.Revoked {
		t.Fatalf("status 5: %v %v", v, err)
	}
	if v, err := s.StatusFor(hostedIss, t0).Status(uri, 6); err != nil || v != status.Valid {
		t.Fatalf("status 6: %v %v", v, err)
	}
	var su *sdjwt.StatusUnavailableError
	if _, err := s.StatusFor("https://gone.example", t0).Status(uri, 5); !errors.As(err, &su) {
		t.Fatalf("other issuer: %v", err)
	}
	st := s.StatusFor(hostedIss, t0.Add(2*time.Hour))
	st.Status(uri, 1)
	if len(st.Stale) != 1 {
		t.Fatal("a list past iat+ttl is not reported stale")
	}
}

func TestRegistrySignedStatusToken(t *testing.T) {
	f := newFixture(t)
	b, _, _, _ := hostedBundle(t, f)
	b.StatusLists = nil
	s := New()
	if _, err := s.LoadBundle("b", f.sign(t, b), f.policy, t0); err != nil {
		t.Fatal(err)
	}
	l, _ := status.New(1, status.MinSize)
	l.Set(7, status.Revoked)
	for _, c := range []struct {
		name string
		key  *jose.PrivateKey
		uri  string
		iss  string
		ok   bool
	}{
		{"registry key, hosted issuer", f.key, "https://registry.example/v1/status/clinic/2", hostedIss, true},
		{"registry key, uri elsewhere", f.key, "https://evil.example/v1/status/clinic/2", hostedIss, false},
		{"registry key, issuer not hosted", f.key, "https://registry.example/v1/status/x/2", "https://other.example", false},
		{"some other key", mustKey(t), "https://registry.example/v1/status/clinic/3", hostedIss, false},
	} {
		tok, err := l.Token(c.key, c.uri, t0, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LoadStatus(c.name, []byte(tok)); err != nil {
			t.Fatal(err)
		}
		v, err := s.StatusFor(c.iss, t0).Status(c.uri, 7)
		if c.ok != (err == nil) || c.ok && v != status.Revoked {
			t.Errorf("%s: %v %v", c.name, v, err)
		}
	}
}

func TestLoadBundleRefusesAndLoadNeedsPolicy(t *testing.T) {
	f := newFixture(t)
	b, _, _, _ := hostedBundle(t, f)
	b.Checkpoint = string(f.log.Checkpoint(1, t0))
	s := New()
	_, err := s.LoadBundle("b.bundle", f.sign(t, b), f.policy, t0)
	var q *anchor.QuorumError
	if !errors.As(err, &q) || !strings.Contains(err.Error(), `trust bundle "b.bundle": checkpoint: checkpoint has 1 valid witness cosignatures of the 2 required`) {
		t.Fatalf("%v", err)
	}
	if len(s.Issuers()) != 0 || s.Checkpoint() != nil {
		t.Fatal("a refused bundle added something")
	}
	if err := s.Load("b.bundle", f.sign(t, f.bundle(2))); err == nil || !strings.Contains(err.Error(), "trust policy") {
		t.Fatalf("Load without policy: %v", err)
	}
}

func TestVerifyProofThroughStore(t *testing.T) {
	f := newFixture(t)
	d := sha256.Sum256([]byte("a credential"))
	f.log.Add(d)
	s := New()
	p := f.log.Proof(d, 2, t0)
	if _, err := s.VerifyProof(p, d); !errors.Is(err, ErrNoPolicy) {
		t.Fatal(err)
	}
	if _, err := s.LoadBundle("b", f.sign(t, f.bundle(2)), f.policy, t0); err != nil {
		t.Fatal(err)
	}
	if c, err := s.VerifyProof(p, d); err != nil || c.Size != 2 {
		t.Fatal(err)
	}
	if _, err := s.VerifyProof(f.log.Proof(d, 1, t0), d); !isA[*anchor.QuorumError](err) {
		t.Fatal(err)
	}
}

// TestBundleStatusListForms: a list in the sparse form loads to the same
// statuses as in the "lst" form; a malformed entry stays with its issuer.
func TestBundleStatusListForms(t *testing.T) {
	l, _ := status.New(2, status.MinSize)
	l.Set(5, status.Revoked)
	l.Set(status.MinSize-1, status.Suspended)
	var sl BundleStatusList
	sl.SetList(l)
	if sl.Sparse == "" || sl.Lst != "" || sl.Size != status.MinSize || sl.Bits != 2 {
		t.Fatalf("SetList chose %+v, want the sparse form", sl)
	}
	dense, _ := status.New(1, status.MinSize)
	for i := 0; i < status.MinSize; i += 2 {
		dense.Set(i, status.Revoked)
	}
	var dl BundleStatusList
	if dl.SetList(dense); dl.Lst == "" || dl.Sparse != "" {
		t.Fatalf("SetList chose sparse for a half-revoked list (%d chars)", len(dl.Sparse))
	}
	sparse, lst := sl.Sparse, l.Encode()
	for _, c := range []struct {
		name string
		sl   BundleStatusList
		want string // "" = loads
	}{
		{"sparse", BundleStatusList{Bits: 2, Size: status.MinSize, Sparse: sparse}, ""},
		{"lst", BundleStatusList{Bits: 2, Lst: lst}, ""},
		{"lst with its size", BundleStatusList{Bits: 2, Size: status.MinSize, Lst: lst}, ""},
		{"lst with another size", BundleStatusList{Bits: 2, Size: 8, Lst: lst}, `"size" 8`},
		{"both", BundleStatusList{Bits: 2, Size: status.MinSize, Lst: lst, Sparse: sparse}, "both"},
		{"neither", BundleStatusList{Bits: 2, Size: status.MinSize}, "neither"},
		{"sparse without size", BundleStatusList{Bits: 2, Sparse: sparse}, `without a positive "size"`},
		{"sparse, too small a size", BundleStatusList{Bits: 2, Size: 64, Sparse: sparse}, "past the list"},
		{"sparse, wrong bits", BundleStatusList{Bits: 1, Size: status.MinSize, Sparse: sparse}, "value 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			b, _, _, _ := hostedBundle(t, f)
			c.sl.URI, c.sl.Iss, c.sl.Iat = "https://registry.example/v1/status/clinic/1", hostedIss, t0.Unix()
			b.StatusLists = []BundleStatusList{c.sl}
			s := New()
			if _, err := s.LoadBundle("b", f.sign(t, b), f.policy, t0); err != nil {
				t.Fatal(err)
			}
			probs := s.Issuer(hostedIss).Problems
			v, err := s.StatusFor(hostedIss, t0).Status(c.sl.URI, 5)
			if c.want == "" {
				if len(probs) != 0 || err != nil || v != status.Revoked {
					t.Fatalf("status 5 = %v, %v; problems %v", v, err, probs)
				}
				if v, _ := s.StatusFor(hostedIss, t0).Status(c.sl.URI, 6); v != status.Valid {
					t.Fatalf("status 6 = %v", v)
				}
				return
			}
			if len(probs) != 1 || !strings.Contains(probs[0].Error(), c.want) || err == nil {
				t.Fatalf("problems %v, status error %v; want one problem with %q", probs, err, c.want)
			}
		})
	}
}

// FuzzBundleStatusList: List never panics, and an accepted list set again
// with SetList decodes to the same entries.
func FuzzBundleStatusList(f *testing.F) {
	l, _ := status.New(2, status.MinSize)
	l.Set(5, status.Revoked)
	sp, _ := l.EncodeSparse()
	f.Add(2, status.MinSize, "", sp)
	f.Add(2, 0, l.Encode(), "")
	f.Add(2, 64, l.Encode(), sp)
	f.Fuzz(func(t *testing.T, bits, size int, lst, sparse string) {
		sl := BundleStatusList{Bits: bits, Size: size % (1 << 20), Lst: lst, Sparse: sparse}
		l, err := sl.List()
		if err != nil {
			return
		}
		var again BundleStatusList
		again.SetList(l)
		l2, err := again.List()
		if err != nil || l2.Len() != l.Len() || string(l2.Bytes()) != string(l.Bytes()) {
			t.Fatalf("SetList of an accepted list: %v", err)
		}
	})
}

// TestCheckUseSameSecond: a credential (whole seconds) issued in the second
// the registry accredited the issuer or its key (sub-second times) is inside
// the windows; one a second earlier is not.
func TestCheckUseSameSecond(t *testing.T) {
	f := newFixture(t)
	k := mustKey(t)
	from := t0.Add(400 * time.Millisecond)
	b := f.bundle(2)
	b.Issuers = []BundleIssuer{{ID: hostedIss, Name: "Clinic", Scope: []string{Scope}, ValidFrom: from,
		Keys: []BundleKey{{JWK: k.Public().JWK(), ValidFrom: from}}}}
	s := New()
	if _, err := s.LoadBundle("b", f.sign(t, b), f.policy, t0); err != nil {
		t.Fatal(err)
	}
	kid := k.Public().KID()
	if err := s.CheckUse(hostedIss, kid, t0, nil); err != nil {
		t.Errorf("issued in the same second: %v", err)
	}
	if err := s.CheckUse(hostedIss, kid, t0.Add(-time.Second), nil); !isA[*KeyUsageError](err) {
		t.Errorf("issued a second before: %v", err)
	}
}
