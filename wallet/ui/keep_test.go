package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
)

// demoCardText is the demo record as the clinic's "shc:/" QR text.
func (c *clinic) demoCardText(t *testing.T) string {
	t.Helper()
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(c.key, min, shc.IssueOptions{Issuer: clinicISS, NotBefore: testNow.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	text, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func hasButton(u *UI, prefix string) bool {
	for _, o := range objects(u) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, prefix) {
			return true
		}
	}
	return false
}

// A truncated paste is an error that says why, with nothing to keep.
func TestImportTruncatedPasteIsNoRecord(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	text := c.demoCardText(t)
	u.runImport("pasted text", []byte(text[:len(text)/2]))
	mustShow(t, u, "Nothing imported from pasted text", "no readable credential")
	if hasButton(u, "Keep") {
		t.Fatalf("a Keep button for a truncated paste:\n%s", screenText(u))
	}
	if s := screenText(u); strings.Contains(s, "0 doses") || strings.Contains(s, "SMART Health Card") {
		t.Fatalf("the truncated paste is shown as a card:\n%s", s)
	}
}

// A card that does not verify is kept only through a warning, and its
// button is not the highlighted default.
func TestImportUnverifiedNeedsWarning(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t) // not in the wallet's trust: unknown issuer
	u.showSection(SectionImport)
	u.runImport("card.png", c.demoCardPNG(t))
	mustShow(t, u, "Unknown issuer: could not be checked")
	if hasButtonExact(u, "Keep") {
		t.Fatalf("a plain Keep button for an unverified card:\n%s", screenText(u))
	}
	b := button(t, u, "Keep anyway…")
	if b.Importance == widget.HighImportance {
		t.Fatal("keeping an unverified card is the highlighted default")
	}
	tap(t, u, "Keep anyway…")
	mustShow(t, u, "Keep a record that did not verify?", "did not pass the check: Unknown issuer")
	if cs, _ := u.w.Credentials(""); len(cs) != 0 {
		t.Fatal("kept before the warning was confirmed")
	}
	tap(t, u, "Keep anyway")
	cs, err := u.w.Credentials("")
	if err != nil || len(cs) != 1 {
		t.Fatalf("after confirming: %d credentials, %v", len(cs), err)
	}
	u.showPerson(cs[0].ProfileID, 2) // Records
	mustShow(t, u, "Unknown issuer: could not be checked", "without registry trust")
}

func hasButtonExact(u *UI, text string) bool {
	for _, o := range objects(u) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return true
		}
	}
	return false
}
