package wallet

import (
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
)

// TestHCERTTrusted: an EU DCC whose document signer the wallet trusts
// (a DSC given as PEM) is verified on import, merged into the person's
// doses, and presented as the issuer's own code, whole and static only;
// when the person also holds an SD-JWT VC, automatic choice prefers it.
func TestHCERTTrusted(t *testing.T) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	text, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{
		Issuer: "FR", KID: trust.DSCKID(der), IssuedAt: testNow.AddDate(0, -1, 0), Expires: testNow.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-03-04")})

	// Without the DSC: unknown issuer.
	cands, err := w.Import("paste", []byte(text))
	if err != nil || len(cands) != 1 || cands[0].Status != StatusUnknownIssuer {
		t.Fatalf("untrusted: %+v %v", cands, err)
	}
	if err := w.AddTrust("dsc-fr.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
		t.Fatal(err)
	}
	cands, err = w.Import("paste", []byte(text))
	if err != nil || len(cands) != 1 {
		t.Fatalf("import: %v", err)
	}
	if c := cands[0]; c.Format != FormatHCERT || c.Status != StatusVerified {
		t.Fatalf("import: %s %q %v", c.Format, c.Status, c.Reasons)
	}
	kept, err := w.Keep(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := w.Immunizations(p.ID)
	found := false
	for _, g := range groups {
		for _, d := range g.Doses {
			if d.Date.String() == "2021-06-01" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the EU DCC's dose of 2021-06-01 is not among the person's doses: %+v", groups)
	}

	pres, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}, Mode: ModeStatic})
	if err != nil {
		t.Fatal(err)
	}
	if len(pres.Items) != 1 || pres.Items[0].QR != text || pres.Items[0].Format != FormatHCERT ||
		strings.Join(pres.Items[0].Disclosed, ",") != "everything" {
		t.Fatalf("presented %+v", pres.Items)
	}
	// What the wallet shows verifies at a verifier that trusts the DSC.
	vs := trust.New()
	_ = vs.Load("dsc.der", der)
	if r := (&verifier.Verifier{Trust: vs, At: testNow}).Verify([]verifier.Input{{Name: "shown", Data: []byte(pres.Items[0].QR)}})[0]; !r.Valid {
		t.Errorf("the presented code does not verify: %v %v", r.Reasons, r.Messages)
	}
	var pe *PresentError
	if _, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}, Mode: ModeLive}); !errors.As(err, &pe) {
		t.Errorf("live EU DCC: %v, want a PresentError", err)
	}

	// With an SD-JWT VC beside it, automatic choice takes only the SD-JWT VC.
	c := newClinic(t)
	_ = w.AddTrust("directory.json", c.snapshot)
	_ = w.AddTrust("status.jwt", c.statusToken(t))
	holder, _ := jose.GenerateKey()
	sd, _ := c.sdjwt(t, demoRecord(t), holder.Public())
	sc, err := w.Import("paste", []byte(sd))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Keep(sc[0], p.ID); err != nil {
		t.Fatal(err)
	}
	auto, err := w.Present(PresentRequest{ProfileID: p.ID, Mode: ModeStatic})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range auto.Items {
		if it.Format != FormatSDJWTVC {
			t.Errorf("automatic choice presented a %s beside an SD-JWT VC", it.Format)
		}
	}
}
