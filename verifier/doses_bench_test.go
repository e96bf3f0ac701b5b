package verifier

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/internal/spectest"
)

// doseRecord is the demo record with n doses: the demo's doses repeated,
// one month apart, each with its lot, clinic and country.
func doseRecord(t testing.TB, n int) *vax.Record {
	t.Helper()
	demo, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	rec := &vax.Record{Patient: demo.Patient}
	for i := range n {
		im := demo.Immunizations[i%len(demo.Immunizations)]
		im.Date = vax.Date{Year: 2016 + i/12, Month: 1 + i%12, Day: 15}
		rec.Immunizations = append(rec.Immunizations, im)
	}
	return rec
}

// doseCardJWS signs an n-dose card with the spec examples' key 0, so that
// the spec verifier trusts it.
func doseCardJWS(t testing.TB, n int) string {
	t.Helper()
	bundle, err := doseRecord(t, n).FHIR()
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(spectest.PrivateKey(t, 0), bundle, shc.IssueOptions{Issuer: spectest.Iss, NotBefore: specNow.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// BenchmarkVerifySHCDoses: a card's compact JWS → verdict at 3 and 30
// doses, each against the bare ES256 check of the same card in the same
// run. The cost of one more dose is (ours@30 − ours@3) / 27.
func BenchmarkVerifySHCDoses(b *testing.B) {
	v := specVerifier(b, specNow)
	key := spectest.PrivateKey(b, 0).Public()
	for _, n := range []int{3, 30} {
		jws := doseCardJWS(b, n)
		j, err := jose.Parse(jws)
		if err != nil {
			b.Fatal(err)
		}
		in := string(j.SigningInput())
		ins := []Input{{Name: "jws", Data: []byte(jws)}}
		b.Run(fmt.Sprintf("doses=%d", n), func(b *testing.B) {
			ratiobench.Run(b, func() error {
				if r := v.Verify(ins); !r[0].Valid || len(r[0].Immunizations) != n {
					return fmt.Errorf("%v %d doses", r[0].Reasons, len(r[0].Immunizations))
				}
				return nil
			}, func() error { return jose.VerifyES256(key, in, j.Signature) })
		})
	}
}

// BenchmarkVerifyPresentationDoses: a live SD-JWT presentation of every
// claim (name, birth date, n doses, each dose one disclosure) → verdict, at
// 3 and 30 doses, against two bare ES256 checks in the same run.
func BenchmarkVerifyPresentationDoses(b *testing.B) {
	for _, n := range []int{3, 30} {
		f := newSDFixtureRecord(b, doseRecord(b, n), -1, -1)
		p := f.present(b, all, sdjwt.AudLive, "w1", f.now)
		v := &Verifier{Trust: f.store, At: f.now}
		in := []Input{{Name: "p", Data: []byte(p)}}
		pr, _ := sdjwt.Split(p)
		j1, _ := jose.Parse(pr.IssuerJWT)
		j2, _ := jose.Parse(pr.KBJWT)
		b.Run(fmt.Sprintf("doses=%d", n), func(b *testing.B) {
			ratiobench.Run(b, func() error {
				if r := v.Verify(in); !r[0].Valid || len(r[0].Immunizations) != n {
					return fmt.Errorf("%v %d doses", r[0].Reasons, len(r[0].Immunizations))
				}
				return nil
			}, func() error {
				if err := j1.Verify(f.issuer.Public()); err != nil {
					return err
				}
				return j2.Verify(f.holder.Public())
			})
		})
	}
}

// TestSHCCountryFromIssuer: a card trimmed for its QR code (doses given in
// the issuer's country state none) shows each dose's country again: the
// issuer's accredited country for those, its own for a dose given abroad;
// an issuer without a country in trust adds none.
func TestSHCCountryFromIssuer(t *testing.T) {
	key, _ := jose.GenerateKey()
	rec := doseRecord(t, 3)
	rec.Immunizations[1].Country = "FR"
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(key, bundle, shc.IssueOptions{Issuer: clinic, NotBefore: specNow.Add(-time.Hour), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	for _, country := range []string{"AE", ""} {
		s := trust.New()
		s.AddSHCKey(clinic, "Al Noor Family Clinic", &shc.IssuerKey{Key: key.Public()})
		s.Issuer(clinic).Country = country
		r := (&Verifier{Trust: s, At: specNow}).Verify([]Input{{Name: "jws", Data: []byte(jws)}})[0]
		if !r.Valid || len(r.Immunizations) != 3 {
			t.Fatalf("%v %v", r.Reasons, r.Messages)
		}
		var got []string
		for _, im := range r.Immunizations {
			got = append(got, im.Country)
		}
		want := []string{country, "FR", country}
		if !slices.Equal(got, want) {
			t.Errorf("issuer country %q: dose countries %q, want %q", country, got, want)
		}
	}
}
