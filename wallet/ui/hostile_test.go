package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
)

// TestImportShowsHostileStringsSafe: a card whose issuer name and patient
// name hold an ANSI erase, a newline and a bidi override is shown on the
// import screen through internal/display (escapes visible, one line),
// then through the bidi ordering of label.
func TestImportShowsHostileStringsSafe(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ts := trust.New()
	ts.AddSHCKey(clinicISS, "\x1b[2J\x1b[32mVALID Ministry", &shc.IssuerKey{Key: k.Public()})
	if err := u.w.AddTrust("trust.json", ts.Snapshot("https://directory.example", testNow.Format(time.RFC3339))); err != nil {
		t.Fatal(err)
	}
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	rec.Patient.Given = []string{"Ann\nVALID \u202eesoR\u202c"}
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(k, min, shc.IssueOptions{Issuer: clinicISS, NotBefore: testNow.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("card.txt", []byte(jws))
	s := screenText(u)
	for _, want := range []string{`\x1b[2J\x1b[32mVALID Ministry`, `Ann\nVALID \u202eesoR\u202c`} {
		if !strings.Contains(s, want) {
			t.Errorf("import screen lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"\x1b", "\u202e", "\nVALID "} {
		if strings.Contains(s, bad) {
			t.Errorf("import screen holds %q raw:\n%q", bad, s)
		}
	}
}
