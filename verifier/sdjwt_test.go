package verifier

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/ratiobench"
)

const clinic = "https://clinic.example/shc"
const listURI = "https://clinic.example/status/1"

type sdFixture struct {
	issuer, holder, verifier *jose.PrivateKey
	store                    *trust.Store
	held                     *sdjwt.Held
	now                      time.Time
}

func newSDFixture(t testing.TB, revoked, suspended int) *sdFixture {
	rec, _ := vax.FromFHIR(assets.DemoRecord())
	return newSDFixtureRecord(t, rec, revoked, suspended)
}

func newSDFixtureRecord(t testing.TB, rec *vax.Record, revoked, suspended int) *sdFixture {
	f := &sdFixture{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), store: trust.New()}
	f.issuer, _ = jose.GenerateKey()
	f.holder, _ = jose.GenerateKey()
	f.verifier, _ = jose.GenerateKey()
	f.store.AddSHCKey(clinic, "Al Noor Family Clinic", &shc.IssuerKey{Key: f.issuer.Public()})
	is, err := sdjwt.Issue(f.issuer, sdjwt.IssueRequest{
		Issuer: clinic, IssuedAt: f.now.Add(-time.Hour), Holder: f.holder.Public(),
		Status: &sdjwt.StatusRef{URI: listURI, Idx: 1000}, Claims: sdjwt.FromRecord(rec),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.held, _ = sdjwt.Decode(is.String())
	l, _ := status.New(2, status.MinSize)
	if revoked >= 0 {
		l.Set(revoked, status.Invalid)
	}
	if suspended >= 0 {
		l.Set(suspended, status.Suspended)
	}
	tok, err := l.Token(f.issuer, listURI, f.now.Add(-time.Minute), f.now.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.LoadStatus("list", []byte(tok)); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *sdFixture) present(t testing.TB, keep func(string) bool, aud, nonce string, at time.Time) string {
	p := f.held.Select(keep)
	if aud == "" {
		return p.String()
	}
	s, err := sdjwt.Bind(p, f.holder, aud, nonce, at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func all(string) bool { return true }

func TestSDJWTModesAndReasons(t *testing.T) {
	f := newSDFixture(t, -1, -1)
	did := f.verifier.Public().DIDKey()
	ch := &sdjwt.Expect{Aud: did, Nonce: "challenge-nonce"}
	schoolOnly := func(p string) bool { return p == "given_name" || p == "family_name" || strings.HasPrefix(p, "doses[") }
	live := f.present(t, all, sdjwt.AudLive, "w1", f.now.Add(-10*time.Second))
	liveQR, _ := sdjwt.EncodeQR(live)
	tests := []struct {
		name      string
		in        string
		challenge *sdjwt.Expect
		fx        *sdFixture
		reasons   []string
		warnings  []string
		binding   string
	}{
		{"static", f.present(t, all, "", "", time.Time{}), nil, f, []string{OK}, []string{NotHolderBound}, "static"},
		{"live", live, nil, f, []string{OK}, nil, "live"},
		{"live as IP1 QR text", liveQR, nil, f, []string{OK}, nil, "live"},
		{"challenge", f.present(t, schoolOnly, did, "challenge-nonce", f.now), ch, f, []string{OK}, nil, "challenge"},
		{"challenge-mismatch: nonce", f.present(t, all, did, "old-nonce", f.now), ch, f, []string{ChallengeMismatch}, nil, "challenge"},
		{"challenge-mismatch: live code shown to a challenge", live, ch, f, []string{ChallengeMismatch}, nil, "challenge"},
		{"holder-binding: static shown to a challenge", f.present(t, all, "", "", time.Time{}), ch, f, []string{HolderBinding}, []string{NotHolderBound}, "static"},
		{"holder-binding + clock-skew: stale live code", f.present(t, all, sdjwt.AudLive, "w1", f.now.Add(-10*time.Minute)), nil, f, []string{HolderBinding}, []string{ClockSkew}, "live"},
		{"revoked", live, nil, newSDFixtureWith(t, f, 1000, -1), []string{Revoked}, nil, "live"},
		{"suspended", live, nil, newSDFixtureWith(t, f, -1, 1000), []string{Suspended}, nil, "live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Verifier{Trust: tt.fx.store, At: f.now, Challenge: tt.challenge}
			rs := v.Verify([]Input{{Name: "p", Data: []byte(tt.in)}})
			r := rs[0]
			if !slices.Equal(r.Reasons, tt.reasons) || r.Format != FormatSDJWTVC || r.Binding != tt.binding {
				t.Fatalf("reasons %v binding %s (%v)", r.Reasons, r.Binding, r.Messages)
			}
			for _, w := range tt.warnings {
				if !slices.Contains(r.Warnings, w) {
					t.Errorf("warnings %v lack %s", r.Warnings, w)
				}
			}
			if r.Issuer.Name != "Al Noor Family Clinic" {
				t.Errorf("issuer %+v", r.Issuer)
			}
		})
	}
	// What a school-only presentation shows.
	v := &Verifier{Trust: f.store, At: f.now, Challenge: ch}
	r := v.Verify([]Input{{Name: "p", Data: []byte(f.present(t, schoolOnly, did, "challenge-nonce", f.now))}})[0]
	if r.Subject.Name != "Amira Haddad" || r.Subject.BirthDate != "" || len(r.Immunizations) != 6 || r.Withheld != 1 {
		t.Fatalf("subject %+v, %d doses, withheld %d", r.Subject, len(r.Immunizations), r.Withheld)
	}
}

// newSDFixtureWith reuses f's keys and credential with another status list.
func newSDFixtureWith(t testing.TB, f *sdFixture, revoked, suspended int) *sdFixture {
	g := *f
	g.store = trust.New()
	g.store.AddSHCKey(clinic, "Al Noor Family Clinic", &shc.IssuerKey{Key: f.issuer.Public()})
	l, _ := status.New(2, status.MinSize)
	if revoked >= 0 {
		l.Set(revoked, status.Invalid)
	}
	if suspended >= 0 {
		l.Set(suspended, status.Suspended)
	}
	tok, _ := l.Token(f.issuer, listURI, f.now.Add(-time.Minute), f.now.Add(24*time.Hour), 0)
	if err := g.store.LoadStatus("list", []byte(tok)); err != nil {
		t.Fatal(err)
	}
	return &g
}

func TestSDJWTStatusFromAnotherIssuer(t *testing.T) {
	f := newSDFixture(t, -1, -1)
	// A list under the same URI signed by someone else does not count.
	g := *f
	g.store = trust.New()
	g.store.AddSHCKey(clinic, "Al Noor Family Clinic", &shc.IssuerKey{Key: f.issuer.Public()})
	mallory, _ := jose.GenerateKey()
	l, _ := status.New(1, status.MinSize)
	tok, _ := l.Token(mallory, listURI, f.now, time.Time{}, 0)
	g.store.LoadStatus("forged", []byte(tok))
	v := &Verifier{Trust: g.store, At: f.now}
	r := v.Verify([]Input{{Name: "p", Data: []byte(f.present(t, all, sdjwt.AudLive, "n", f.now))}})[0]
	if !slices.Equal(r.Reasons, []string{BadCRL}) {
		t.Fatalf("%v %v", r.Reasons, r.Messages)
	}
}

// BenchmarkVerifyPresentation: a live presentation (issuer signature + KB-JWT
// + status) against two bare ES256 checks in the same run.
func BenchmarkVerifyPresentation(b *testing.B) {
	f := newSDFixture(b, -1, -1)
	p := f.present(b, all, sdjwt.AudLive, "w1", f.now)
	v := &Verifier{Trust: f.store, At: f.now}
	in := []Input{{Name: "p", Data: []byte(p)}}
	b.Run("presentation-to-verdict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := v.Verify(in); !r[0].Valid {
				b.Fatal(r[0].Reasons)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		pr, _ := sdjwt.Split(p)
		j1, _ := jose.Parse(pr.IssuerJWT)
		j2, _ := jose.Parse(pr.KBJWT)
		ratiobench.Run(b, func() error {
			if r := v.Verify(in); !r[0].Valid {
				return fmt.Errorf("%v", r[0].Reasons)
			}
			return nil
		}, func() error {
			if err := j1.Verify(f.issuer.Public()); err != nil {
				return err
			}
			return j2.Verify(f.holder.Public())
		})
	})
	b.Run("two-bare-es256", func(b *testing.B) {
		pr, _ := sdjwt.Split(p)
		j1, _ := jose.Parse(pr.IssuerJWT)
		j2, _ := jose.Parse(pr.KBJWT)
		for b.Loop() {
			if j1.Verify(f.issuer.Public()) != nil || j2.Verify(f.holder.Public()) != nil {
				b.Fatal("verify")
			}
		}
	})
}
