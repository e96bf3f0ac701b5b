package ui

import (
	"encoding/pem"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// sdjwtFor is the demo record as an SD-JWT VC bound to the first
// profile's holder key, as the clinic issues it to the did:key the wallet
// shows.
func (c *clinic) sdjwtFor(t *testing.T, u *UI) string {
	t.Helper()
	ps, _ := u.w.Profiles()
	did, err := u.w.HolderDID(ps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	holder, err := jose.ParseDIDKey(did)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	is, err := sdjwt.Issue(c.key, sdjwt.IssueRequest{Issuer: clinicISS, IssuedAt: testNow.Add(-24 * time.Hour),
		Holder: holder, Claims: sdjwt.FromRecord(rec), Decoys: 2, Status: &sdjwt.StatusRef{URI: clinicStatusURI, Idx: 7}})
	if err != nil {
		t.Fatal(err)
	}
	return is.String()
}

// verifierFor is a verifier trusting the test clinic.
func (c *clinic) verifierFor(at time.Time, ch *sdjwt.Expect) *verifier.Verifier {
	ts := trust.New()
	ts.AddSHCKey(clinicISS, "Al Noor Family Clinic", &shc.IssuerKey{Key: c.key.Public()})
	if err := ts.LoadStatus("status.jwt", c.status); err != nil {
		panic(err)
	}
	v := &verifier.Verifier{Trust: ts, At: at}
	if ch != nil {
		v.Challenge = ch
	}
	return v
}

// withBoundCard is a wallet with Amira's SD-JWT VC bound to her key.
func withBoundCard(t *testing.T) (*UI, *clinic) {
	t.Helper()
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	if err := u.w.AddTrust("status.jwt", c.status); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("amira.sd-jwt", []byte(c.sdjwtFor(t, u)))
	tap(t, u, "Keep")
	return u, c
}

func check(t *testing.T, u *UI, text string) *widget.Check {
	t.Helper()
	for _, o := range objects(u) {
		if c, ok := o.(*widget.Check); ok && c.Text == text {
			return c
		}
	}
	t.Fatalf("no checkbox %q on screen:\n%s", text, screenText(u))
	return nil
}

// scanQR decodes the QR code the window shows.
func scanQR(t *testing.T, u *UI) string {
	t.Helper()
	text, err := qr.DecodeImage(u.win.Canvas().Capture())
	if err != nil {
		t.Fatalf("the QR code on screen does not scan: %v\n%s", err, screenText(u))
	}
	return text
}

// Toggling the disclosure checkboxes changes what the QR code discloses:
// the school preset plus the birth date, minus measles/mumps/rubella.
func TestPresentCheckboxes(t *testing.T) {
	u, c := withBoundCard(t)
	u.showSection(SectionPresent)
	mustShow(t, u, "[true] Name", "[false] Birth date", "[true] Measles")
	test.Tap(check(t, u, "Birth date"))
	for _, d := range []string{"Measles", "Mumps", "Rubella"} {
		test.Tap(check(t, u, d))
	}
	// Static, so that the scan is not tied to the 30 s window.
	for _, o := range objects(u) {
		if r, ok := o.(*widget.RadioGroup); ok && slices.Contains(r.Options, "Static") {
			r.SetSelected("Static")
		}
	}
	tap(t, u, "Show QR code")
	text := scanQR(t, u)
	r := c.verifierFor(testNow, nil).Verify([]verifier.Input{{Name: "scan", Data: []byte(text)}})[0]
	if !r.Valid || r.Subject.BirthDate != "2016-04-12" || r.Subject.Name != "Amira Haddad" {
		t.Fatalf("verifier: %+v", r)
	}
	if len(r.Immunizations) != 3 { // the hexavalent doses; no MMR, no BCG
		t.Fatalf("disclosed %d doses: %+v", len(r.Immunizations), r.Immunizations)
	}
	for _, im := range r.Immunizations {
		if im.Vaccine.Code != "146" {
			t.Fatalf("disclosed %+v", im.Vaccine)
		}
	}
	if r.Withheld < 3+2 { // BCG, 2 MMR, decoys
		t.Fatalf("withheld %d", r.Withheld)
	}
	u.typedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	hs, _ := u.w.History()
	if len(hs) != 1 || hs[0].Purpose != "custom" || !slices.Contains(hs[0].Claims, "birthdate") {
		t.Fatalf("history %+v", hs)
	}

	// Untouched boxes: the preset as it is (no birth date).
	u.showSection(SectionPresent)
	for _, o := range objects(u) {
		if r, ok := o.(*widget.RadioGroup); ok && slices.Contains(r.Options, "Static") {
			r.SetSelected("Static")
		}
	}
	tap(t, u, "Show QR code")
	r = c.verifierFor(testNow, nil).Verify([]verifier.Input{{Name: "scan", Data: []byte(scanQR(t, u))}})[0]
	if !r.Valid || r.Subject.BirthDate != "" || len(r.Immunizations) != 5 {
		t.Fatalf("school preset: birth %q, %d doses", r.Subject.BirthDate, len(r.Immunizations))
	}
}

// An EU DCC is presented as its issuer's own code, whole: the present
// screen says that nothing can be withheld, and the code on screen is the
// certificate itself.
func TestPresentHCERT(t *testing.T) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	text, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{
		Issuer: "FR", KID: trust.DSCKID(der), IssuedAt: testNow.AddDate(0, -1, 0), Expires: testNow.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	u := newUI(t, "")
	firstRun(t, u)
	if err := u.w.AddTrust("dsc-fr.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("dcc.txt", []byte(text))
	tap(t, u, "Keep")
	u.showSection(SectionPresent)
	mustShow(t, u, "An EU Digital COVID Certificate has no selective disclosure: the verifier sees everything on it.")
	tap(t, u, "Show QR code")
	mustShow(t, u, "No selective disclosure: the verifier sees everything on it")
	if got := scanQR(t, u); got != text {
		t.Fatalf("the screen shows %q, want the certificate's own text", got)
	}
}
