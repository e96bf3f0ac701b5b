package shc_test

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
)

// threeDoseRecords are the records P4 is about: every run of three doses
// of the demo record (lots, clinic, country, dose and series numbers), and
// a spec-like record (the spec examples' patient and vaccine, with lots,
// performer and country).
func threeDoseRecords(t *testing.T) map[string]*vax.Record {
	demo, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*vax.Record{}
	for i := 0; i+3 <= len(demo.Immunizations); i++ {
		out["demo doses "+string(rune('1'+i))+"-"+string(rune('3'+i))] = &vax.Record{Patient: demo.Patient, Immunizations: demo.Immunizations[i : i+3]}
	}
	spec := &vax.Record{Patient: vax.Patient{Family: "Anyperson", Given: []string{"John", "B."}, BirthDate: vax.Date{Year: 1951, Month: 1, Day: 20}}}
	for i, lot := range []string{"0000001", "0000007", "0000009"} {
		spec.Immunizations = append(spec.Immunizations, vax.Immunization{
			Vaccine: vax.Coding{System: vax.SystemCVX, Code: "207"}, Date: vax.Date{Year: 2021, Month: 1 + i, Day: 1}, Status: vax.StatusCompleted,
			Lot: lot, Performer: "ABC General Hospital", Country: "AE", DoseNumber: i + 1, SeriesDoses: 3,
		})
	}
	out["spec-like"] = spec
	return out
}

// TestThreeDoseCardFitsV18: a three-dose card, issued as the issuer does
// (an 11-character rid, a millisecond nbf, its country), is a version-18 QR
// code at most at level L (19 when a dose was given abroad), and reads back
// with every dose, lot and clinic; the doses given in the issuer's country
// state none (the verifier takes it from the issuer), the others keep
// theirs.
func TestThreeDoseCardFitsV18(t *testing.T) {
	key, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	opt := shc.IssueOptions{Issuer: "https://clinic.example/shc", NotBefore: time.UnixMilli(1765000000123), RID: "AbCdEfGhIjK", Country: "AE"}
	for name, rec := range threeDoseRecords(t) {
		for _, abroad := range []bool{false, true} {
			rec := &vax.Record{Patient: rec.Patient, Immunizations: append([]vax.Immunization(nil), rec.Immunizations...)}
			if abroad {
				rec.Immunizations[0].Country = "FR"
			}
			bundle, err := rec.FHIR()
			if err != nil {
				t.Fatal(err)
			}
			jws, err := shc.Issue(key, bundle, opt)
			if err != nil {
				t.Fatal(err)
			}
			text, err := shc.EncodeQR(jws)
			if err != nil {
				t.Fatal(err)
			}
			sym, err := qr.EncodeSHC(text)
			if err != nil {
				t.Fatal(err)
			}
			// A dose given abroad states its country: the extension's URL
			// costs about 80 characters, one version more.
			want := 18
			if abroad {
				want = 19
			}
			if sym.Version() > want {
				t.Errorf("%s (dose 1 abroad: %v): %d JWS characters, version %d, want ≤ %d", name, abroad, len(jws), sym.Version(), want)
			}
			t.Logf("%s (dose 1 abroad: %v): %d JWS characters, version %d", name, abroad, len(jws), sym.Version())
			card, err := shc.Parse(jws)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := card.Record()
			if err != nil {
				t.Fatal(err)
			}
			for i, im := range got.Immunizations {
				want := rec.Immunizations[i]
				if im.Vaccine != want.Vaccine || im.Date != want.Date || im.Lot != want.Lot || im.Performer != want.Performer {
					t.Errorf("%s dose %d: %+v, want %+v", name, i, im, want)
				}
				wantCountry := ""
				if want.Country != opt.Country {
					wantCountry = want.Country
				}
				if im.Country != wantCountry || im.DoseNumber != 0 || im.SeriesDoses != 0 {
					t.Errorf("%s dose %d: country %q dose %d/%d, want country %q and no numbers", name, i, im.Country, im.DoseNumber, im.SeriesDoses, wantCountry)
				}
			}
		}
	}
}

// TestUntrimmedWithoutCountry: without the issuer's country nothing is
// trimmed: countries, dose and series numbers stay on the card.
func TestUntrimmedWithoutCountry(t *testing.T) {
	key, _ := jose.GenerateKey()
	rec := threeDoseRecords(t)["spec-like"]
	bundle, _ := rec.FHIR()
	jws, err := shc.Issue(key, bundle, shc.IssueOptions{Issuer: "https://clinic.example/shc"})
	if err != nil {
		t.Fatal(err)
	}
	card, _ := shc.Parse(jws)
	got, _, err := card.Record()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(rec) {
		t.Errorf("round trip: %+v, want %+v", got, rec)
	}
}
