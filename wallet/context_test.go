package wallet

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func failedIDs(v policy.Verdict) string {
	var out []string
	for _, r := range v.Failed() {
		out = append(out, r.ID)
	}
	return strings.Join(out, " ")
}

// "Will this pass the school check in Dubai?" for Amira: her card and her
// SD-JWT VC hold the same doses; she misses the hepatitis A dose among
// others, in words.
func TestCheckContextSchool(t *testing.T) {
	w := newTestWallet(t, Options{})
	f := setUpFamily(t, w, newClinic(t))
	set, err := w.Contexts()
	if err != nil || len(set.Contexts) != 4 {
		t.Fatalf("shipped contexts: %v", err)
	}
	got, err := w.CheckContext(f.amira.ID, "school-entry-ae", "fr")
	if err != nil {
		t.Fatal(err)
	}
	if got.Verdict.Result != policy.Fails || got.Credential == "" || got.Together.Result != policy.Fails {
		t.Fatalf("%+v", got)
	}
	if !strings.Contains(failedIDs(got.Verdict), "SE-AE-0025") || failedIDs(got.Verdict) != failedIDs(got.Together) {
		t.Fatalf("failing %q, together %q", failedIDs(got.Verdict), failedIDs(got.Together))
	}
	if !strings.Contains(got.Verdict.Failed()[0].Description, "est exigée") || got.Verdict.Title != "Entrée à l'école aux Émirats arabes unis" {
		t.Fatalf("not in French: %+v", got.Verdict.Failed()[0])
	}
	// Karim, 15 months, in France: his third DTCaP dose was due at 13 months.
	got, err = w.CheckContext(f.karim.ID, "school-entry-fr", "en")
	if err != nil {
		t.Fatal(err)
	}
	if got.Verdict.Result != policy.Fails || !strings.Contains(failedIDs(got.Verdict), "SE-FR-0014") {
		t.Fatalf("karim: %s %s", got.Verdict.Result, failedIDs(got.Verdict))
	}
	if _, err := w.CheckContext(f.karim.ID, "school-entry-de", "en"); err == nil || !strings.Contains(err.Error(), "known: school-entry-ae") {
		t.Fatalf("unknown context: %v", err)
	}
}

// The best single credential wins: a yellow fever card meets the rule on
// its own, 10 days after the dose and not before.
func TestCheckContextYellowFever(t *testing.T) {
	c := newClinic(t)
	yf := &vax.Record{Patient: vax.Patient{Family: "Haddad", Given: []string{"Amira"}, BirthDate: mustDate("2016-04-12")},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: vax.SystemCVX, Code: "37"}, Date: mustDate("2026-11-12"),
			Status: vax.StatusCompleted, DoseNumber: 1, Performer: "Al Noor Family Clinic", Country: "AE"}}}
	for _, tc := range []struct {
		now  time.Time
		want policy.Outcome
	}{
		{time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC), policy.Fails}, // day 9
		{time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), policy.Meets},  // day 10
	} {
		now := tc.now
		w := newTestWallet(t, Options{Now: func() time.Time { return now }})
		f := setUpFamily(t, w, c)
		cands, err := w.Import("yf.png", shcQRPNG(t, c.shc(t, yf)))
		if err != nil || len(cands) != 1 || cands[0].Status != StatusVerified {
			t.Fatalf("import: %v %+v", err, cands)
		}
		kept, err := w.Keep(cands[0], f.amira.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.CheckContext(f.amira.ID, "yellow-fever", "en")
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict.Result != tc.want || got.Together.Result != tc.want {
			t.Fatalf("at %s: %s / together %s", now, got.Verdict.Result, got.Together.Result)
		}
		if tc.want == policy.Meets && got.Credential != kept.ID {
			t.Fatalf("best credential %s, want the yellow fever card %s", got.Credential, kept.ID)
		}
	}
}

// A person with no verified credential: cannot tell, and why; credentials
// a checker would refuse are not counted.
func TestCheckContextNothingVerified(t *testing.T) {
	w := newTestWallet(t, Options{})
	p, err := w.AddProfile(Profile{Given: "Lina", Family: "Haddad", BirthDate: mustDate("2019-01-01"), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClinic(t)
	cands, err := w.Import("card.png", shcQRPNG(t, c.shc(t, demoRecord(t)))) // no trust: unknown issuer
	if err != nil || len(cands) != 1 || cands[0].Status == StatusVerified {
		t.Fatalf("import: %v %+v", err, cands)
	}
	kept, err := w.KeepUnverified(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.CheckContext(p.ID, "school-entry-ae", "en")
	if err != nil {
		t.Fatal(err)
	}
	if got.Verdict.Result != policy.CannotTell || got.Verdict.Problem != "no verified credential to show" ||
		len(got.LeftOut) != 1 || got.LeftOut[0] != kept.ID || got.Credential != "" {
		t.Fatalf("%+v", got)
	}
	// Together, with nothing verified and the profile's birth date: every
	// dose due by 7 is missing.
	if got.Together.Result != policy.Fails {
		t.Fatalf("together: %s", got.Together.Result)
	}
}

// A bundle that carries context policies replaces the shipped ones.
func TestContextsFromBundle(t *testing.T) {
	wd := world(t)
	w := newTestWallet(t, Options{Now: func() time.Time { return verifiertest.Now }})
	if err := w.AddTrust("policy.json", wd.PolicyJSON); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("rules.bundle", wd.Rules); err != nil {
		t.Fatal(err)
	}
	if w.trust().Policies() == nil {
		t.Fatal("the bundle's policies are not in the wallet's trust")
	}
	set, err := w.Contexts()
	if err != nil || strings.Join(set.Names(), " ") != "school-entry-ae school-entry-fr yellow-fever traveller-eu" {
		t.Fatalf("contexts from the bundle: %v %v", set.Names(), err)
	}
}
