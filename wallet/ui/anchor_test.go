package ui

import (
	"testing"

	"github.com/immunopass/immunopass/verifier/verifiertest"
	"github.com/immunopass/immunopass/wallet"
)

func TestAgeDays(t *testing.T) {
	for in, want := range map[string]int{"8d8h": 8, "30h": 1, "2d": 2, "0d23h": 0} {
		if got, ok := ageDays(in); !ok || got != want {
			t.Errorf("ageDays(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "0h", "d"} {
		if _, ok := ageDays(in); ok {
			t.Errorf("ageDays(%q) ok", in)
		}
	}
}

// An anchored credential checked against a stale bundle: the import card
// and the person's records say so, and the QR screen offers the proof as a
// second code after the record.
func TestAnchoredAndStaleTrust(t *testing.T) {
	if !verifiertest.Now.Equal(testNow) {
		t.Fatal("the registry world and these tests need the same clock")
	}
	wd, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	u := newUI(t, "")
	firstRun(t, u)
	for name, data := range map[string][]byte{"policy.json": wd.PolicyJSON} {
		if err := u.w.AddTrust(name, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.w.AddTrust("registry.bundle", wd.Stale); err != nil {
		t.Fatal(err)
	}
	text := wd.Creds["early"] + "\n" + string(wd.Proofs["early"])
	u.showSection(SectionImport)
	u.runImport("early.sdjwt", []byte(text))
	mustShow(t, u, "Anchored in the registry log (entry 0, counting from 0; 2 witnesses)", "Trust data is 8 days old: update it",
		"Checked against the registry's trust of 13 Nov 2026")

	cs, err := u.w.Import("early.sdjwt", []byte(text))
	if err != nil || len(cs) != 1 {
		t.Fatalf("import: %v %d", err, len(cs))
	}
	ps, _ := u.w.Profiles()
	if _, err := u.w.Keep(cs[0], ps[0].ID); err != nil {
		t.Fatal(err)
	}
	u.showPerson(ps[0].ID, 2)
	mustShow(t, u, "Anchored in the registry log", "Trust data is 8 days old: update it")

	u.presentNow(wallet.PresentRequest{ProfileID: ps[0].ID, Preset: "full", Mode: wallet.ModeStatic})
	mustShow(t, u, "1 of 2", "[Next code]")
	if scanQR(t, u) == string(wd.Proofs["early"]) {
		t.Fatal("the proof comes first")
	}
	tap(t, u, "Next code")
	mustShow(t, u, "2 of 2", "Anchoring proof")
	if got := scanQR(t, u); got != string(wd.Proofs["early"]) {
		t.Fatalf("second code scans as %q", got)
	}
	tap(t, u, "Next code")
	mustShow(t, u, "1 of 2")
}
