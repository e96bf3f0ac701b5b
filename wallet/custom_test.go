package wallet

import (
	"slices"
	"testing"

	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// A custom selection (the school preset minus measles, mumps and rubella,
// plus the birth date) discloses exactly that, and the verifier counts the
// rest as withheld. A dose is disclosed when it targets any chosen disease,
// so unchecking measles alone would still show the MMR doses for mumps.
func TestPresentCustom(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	f := setUpFamily(t, w, c)
	school, _ := presetByID("school")
	custom := school
	custom.ID = "custom"
	custom.BirthDate = true
	custom.Diseases = slices.DeleteFunc(slices.Clone(school.Diseases), func(d string) bool { return d == "Measles" || d == "Mumps" || d == "Rubella" })

	ts := c.trust
	_ = ts.LoadStatus("status", c.statusToken(t))
	vf := verifier.Verifier{Trust: ts, At: testNow}
	verify := func(req PresentRequest) (verifier.Result, *Presentation) {
		t.Helper()
		p, err := w.Present(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].Format != FormatSDJWTVC {
			t.Fatalf("items %+v", p.Items)
		}
		r := vf.Verify([]verifier.Input{{Name: "qr", Data: []byte(p.Items[0].QR)}})[0]
		if !r.Valid || r.Binding != sdjwt.BindingLive {
			t.Fatalf("verifier: %+v", r)
		}
		return r, p
	}
	base, _ := verify(PresentRequest{ProfileID: f.amira.ID, Preset: "school"})
	r, p := verify(PresentRequest{ProfileID: f.amira.ID, Preset: "school", Custom: &custom})

	if r.Subject.BirthDate != "2016-04-12" || r.Subject.Name != "Amira Haddad" {
		t.Fatalf("subject %+v", r.Subject)
	}
	if base.Subject.BirthDate != "" {
		t.Fatal("school preset disclosed the birth date")
	}
	// Exactly the doses against a chosen disease: the three hexavalent
	// doses, not the two MMR ones.
	held, _ := sdjwt.Decode(mustCred(t, w, p.Items[0].CredentialID).Text)
	var want int
	for i := range countDoses(held) {
		if slices.ContainsFunc(doseDiseases(held.Claims, i), func(d string) bool { return slices.Contains(custom.Diseases, d) }) {
			want++
		}
	}
	if len(r.Immunizations) != want || want != 3 {
		t.Fatalf("disclosed %d doses, want %d", len(r.Immunizations), want)
	}
	for _, im := range r.Immunizations {
		ds := vax.Diseases(im.Vaccine.System, im.Vaccine.Code)
		if !slices.ContainsFunc(ds, func(d string) bool { return slices.Contains(custom.Diseases, d) }) {
			t.Fatalf("dose of %v disclosed", ds)
		}
	}
	if len(base.Immunizations) <= len(r.Immunizations) {
		t.Fatalf("removing MMR disclosed %d doses, school %d", len(r.Immunizations), len(base.Immunizations))
	}
	// Withheld: every disclosure not disclosed (the verifier also counts
	// decoy digests, so it is at least the wallet's count).
	if it := p.Items[0]; len(it.Disclosed)+it.Withheld != len(held.Disclosures) || r.Withheld < it.Withheld ||
		!slices.Contains(it.Disclosed, "birthdate") || len(r.Disclosed) != len(it.Disclosed) {
		t.Fatalf("wallet disclosed %v withheld %d; verifier disclosed %v withheld %d", it.Disclosed, it.Withheld, r.Disclosed, r.Withheld)
	}
	// One more disclosed (birth date), two fewer (MMR doses).
	if r.Withheld != base.Withheld+2-1 {
		t.Fatalf("withheld %d, school %d", r.Withheld, base.Withheld)
	}
	h, _ := w.History()
	if h[0].Purpose != "custom" || !slices.Contains(h[0].Claims, "birthdate") {
		t.Fatalf("history %+v", h[0])
	}

	// Names only (no disease): the credential is still chosen, no dose.
	none := Preset{ID: "custom", Names: true, Diseases: []string{}, Mode: ModeStatic}
	r, _ = verify2(t, w, vf, PresentRequest{ProfileID: f.amira.ID, Custom: &none})
	if len(r.Immunizations) != 0 || r.Subject.Name == "" || r.Subject.BirthDate != "" {
		t.Fatalf("names only: %+v", r)
	}
}

func verify2(t *testing.T, w *Wallet, vf verifier.Verifier, req PresentRequest) (verifier.Result, *Presentation) {
	t.Helper()
	p, err := w.Present(req)
	if err != nil {
		t.Fatal(err)
	}
	return vf.Verify([]verifier.Input{{Name: "qr", Data: []byte(p.Items[0].QR)}})[0], p
}

func mustCred(t *testing.T, w *Wallet, id string) Credential {
	t.Helper()
	c, err := w.Credential(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func countDoses(h *sdjwt.Held) int {
	dv, _ := h.Claims.Get("doses")
	d, _ := dv.([]any)
	return len(d)
}
