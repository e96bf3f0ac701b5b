package wallet

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
)

// The DIVOC and W3C VC vectors the npm peers signed (credential/divoc and
// credential/vc testdata).
const (
	divocVectors = "../credential/divoc/testdata/interop/vectors/"
	vcVectors    = "../credential/vc/testdata/interop/vectors/"
)

func readVector(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cowinSnapshot is a VCI snapshot trusting CoWIN's test keys of the DIVOC
// vectors (RSA "did:india", Ed25519 "did:india:ed") and, when given, more
// JWKs of that issuer.
func cowinSnapshot(t testing.TB, more ...map[string]any) []byte {
	t.Helper()
	var ks map[string]struct {
		PublicKeyPem, PublicKeyBase58 string
	}
	if err := json.Unmarshal(readVector(t, divocVectors+"keys.json"), &ks); err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(ks["rsa"].PublicKeyPem))
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := multibase.Decode("z" + ks["ed25519"].PublicKeyBase58)
	if err != nil {
		t.Fatal(err)
	}
	keys := []any{rsaJWK(pub.(*rsa.PublicKey), "did:india"), edJWK(ed, "did:india:ed")}
	for _, m := range more {
		keys = append(keys, m)
	}
	b, _ := json.Marshal(map[string]any{"directory": "test", "time": "2021-08-01T00:00:00Z", "issuerInfo": []any{map[string]any{
		"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN (test keys)"}, "keys": keys}}})
	return b
}

func rsaJWK(k *rsa.PublicKey, kid string) map[string]any {
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "RSA", "kid": kid, "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())}
}

func edJWK(x []byte, kid string) map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": base64.RawURLEncoding.EncodeToString(x)}
}

// wrap breaks s into lines of n characters, as a mail client does.
func wrap(s string, n int) string {
	var lines []string
	for len(s) > n {
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return strings.Join(append(lines, s), "\r\n")
}

func zipOf(names []string, contents ...[]byte) []byte { return divoctest.Zip(names, contents) }

func qrPNG(t testing.TB, text string) []byte {
	t.Helper()
	sym, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(3)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// TestDIVOCImport: a DIVOC certificate (the RSA vector DIVOC's own signer
// stack made) is imported from each form it travels in — the QR image
// whose byte segment is the ZIP archive, a PDF holding that image (as
// CoWIN's download does), the archive as a file, "B64:"
// text in a message, certificate.json — verified with the trust's JWKs,
// one credential whatever the form, merged into the person's doses, and
// presented as the original byte-mode QR code, whole and static, that a
// verifier accepts.
func TestDIVOCImport(t *testing.T) {
	cert := bytes.TrimSpace(readVector(t, divocVectors+"rsa-signed.json"))
	archive := zipOf([]string{"certificate.json"}, cert)
	b64 := "B64:" + base64.StdEncoding.EncodeToString(archive)
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Asha", Family: "Verma", BirthDate: mustDate("1990-04-12"), Country: "AE"})

	// Without trust: unknown issuer, what it says shown unverified.
	cands, err := w.Import("certificate.json", cert)
	if err != nil || len(cands) != 1 {
		t.Fatalf("untrusted: %v %v", cands, err)
	}
	if c := cands[0]; c.Format != FormatDIVOC || c.Status != StatusUnknownIssuer || c.Subject.Name != "Asha Verma" {
		t.Fatalf("untrusted: %s %s %+v", c.Format, c.Status, c.Subject)
	}
	var ue *UnverifiedError
	if _, err := w.Keep(cands[0], p.ID); !errors.As(err, &ue) {
		t.Fatalf("keep untrusted: %v, want an UnverifiedError", err)
	}

	if err := w.AddTrust("cowin.json", cowinSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	inputs := []struct{ name, form string }{
		{"qr.png", string(qrPNG(t, string(archive)))},
		{"cowin-certificate.pdf", string(printout(t, qrPNG(t, string(archive))))},
		{"qr.zip", string(archive)},
		{"message", "Your certificate:\n" + b64 + "\nStay safe."},
		{"mail", "Your certificate:\r\n" + wrap(b64, 76) + "\r\nStay safe."},
		{"certificate.json", string(cert)},
	}
	var id string
	for i, in := range inputs {
		cands, err := w.Import(in.name, []byte(in.form))
		if err != nil || len(cands) != 1 {
			t.Fatalf("%s: %v %v", in.name, cands, err)
		}
		c := cands[0]
		if c.Format != FormatDIVOC || c.Status != StatusVerified || c.Subject.Name != "Asha Verma" || c.Subject.BirthDate != "1990-04-12" ||
			c.Issuer.Name != "CoWIN (test keys)" || c.Suggested != p.ID {
			t.Fatalf("%s: %s %s %v %+v %+v suggested %q", in.name, c.Format, c.Status, c.Messages, c.Subject, c.Issuer, c.Suggested)
		}
		if c.IssuedAt.IsZero() {
			t.Errorf("%s: no issuance date", in.name)
		}
		if i == 0 {
			id = c.ID
			if !strings.HasPrefix(c.Text, "B64:") {
				t.Fatalf("the QR's archive is kept as %q…, want B64: text", c.Text[:min(len(c.Text), 8)])
			}
			if _, err := w.Keep(c, p.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if c.ID != id || c.Duplicate != p.ID {
			t.Errorf("%s: ID %s duplicate %q, want the QR's %s held by the profile", in.name, short(c.ID), c.Duplicate, short(id))
		}
	}
	creds, _ := w.Credentials(p.ID)
	if len(creds) != 1 || creds[0].Text != b64 {
		t.Fatalf("kept %d credentials; text %q", len(creds), creds[0].Text)
	}
	groups, _ := w.Immunizations(p.ID)
	i := slices.IndexFunc(groups, func(g DiseaseGroup) bool { return g.Disease == "COVID-19" })
	if i < 0 || len(groups[i].Doses) != 1 || groups[i].Doses[0].Date.String() != "2021-07-30" || groups[i].Doses[0].Lot != "4121Z025" {
		t.Fatalf("doses: %+v", groups)
	}

	// Presented: the original archive in a byte-mode QR code, whole.
	pres, err := w.Present(PresentRequest{ProfileID: p.ID, Mode: ModeStatic})
	if err != nil {
		t.Fatal(err)
	}
	it := pres.Items[0]
	if len(pres.Items) != 1 || it.Format != FormatDIVOC || it.QR != string(archive) || it.Text != b64 || !slices.Equal(it.Disclosed, []string{"everything"}) {
		t.Fatalf("presented %d items: %s %q", len(pres.Items), it.Format, it.Disclosed)
	}
	vs := trust.New()
	if err := vs.Load("cowin.json", cowinSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	shown := qrPNG(t, it.QR)
	if r := (&verifier.Verifier{Trust: vs, At: testNow}).Verify([]verifier.Input{{Name: "shown.png", Data: shown}})[0]; !r.Valid || r.Format != "divoc" {
		t.Fatalf("the presented QR code does not verify: %v %v", r.Reasons, r.Messages)
	}
	var pe *PresentError
	if _, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{id}, Mode: ModeLive}); !errors.As(err, &pe) || !strings.Contains(err.Error(), "DIVOC") {
		t.Fatalf("live DIVOC: %v, want a PresentError naming DIVOC", err)
	}

	// Printed for travel, the printout reads back as the same certificate.
	var pdf bytes.Buffer
	if err := w.PrintPDF(p.ID, &pdf); err != nil {
		t.Fatal(err)
	}
	w2 := newTestWallet(t, Options{})
	_ = w2.AddTrust("cowin.json", cowinSnapshot(t))
	back, err := w2.Import("print.pdf", pdf.Bytes())
	if err != nil || len(back) != 1 || back[0].ID != id || back[0].Status != StatusVerified {
		t.Fatalf("printout read back: %+v %v", back, err)
	}
}

// TestDIVOCFromJSONPresented: a certificate kept from certificate.json is
// presented packed as DIVOC packs it (one deflated entry), and the same
// bytes every time.
func TestDIVOCFromJSONPresented(t *testing.T) {
	cert := bytes.TrimSpace(readVector(t, divocVectors+"ed25519-signed.json"))
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Asha", Family: "Verma", BirthDate: mustDate("1990-04-12")})
	_ = w.AddTrust("cowin.json", cowinSnapshot(t))
	cands, err := w.Import("certificate.json", cert)
	if err != nil || cands[0].Status != StatusVerified {
		t.Fatalf("%v %v", cands, err)
	}
	kept, err := w.Keep(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}})
	if a.Items[0].QR != b.Items[0].QR || !strings.HasPrefix(a.Items[0].QR, "PK\x03\x04") {
		t.Fatalf("the archive differs between presentations or is no ZIP")
	}
	zr, err := zip.NewReader(strings.NewReader(a.Items[0].QR), int64(len(a.Items[0].QR)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != "certificate.json" || zr.File[0].Method != zip.Deflate {
		t.Fatalf("archive: %v", err)
	}
	// Imported back, it is the same credential.
	again, err := w.Import("scan.png", qrPNG(t, a.Items[0].QR))
	if err != nil || again[0].ID != kept.ID || again[0].Status != StatusVerified {
		t.Fatalf("re-import: %+v %v", again, err)
	}
}

// TestDIVOCHostile: what DIVOC's strict reader refuses — two entries, a
// ZIP bomb, another entry name, an unknown JSON-LD context, an edit after
// signing — is refused by Import with the reason, and nothing is kept.
func TestDIVOCHostile(t *testing.T) {
	cert := bytes.TrimSpace(readVector(t, divocVectors+"rsa-signed.json"))
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Asha", Family: "Verma", BirthDate: mustDate("1990-04-12")})
	_ = w.AddTrust("cowin.json", cowinSnapshot(t))
	bomb := zipOf([]string{"certificate.json"}, bytes.Repeat([]byte(" "), 4<<20))
	unknownCtx := bytes.Replace(cert, []byte("https://cowin.gov.in/credentials/vaccination/v2"), []byte("https://evil.example/ctx"), 1)
	edited := bytes.Replace(cert, []byte("Asha Verma"), []byte("Someone Else"), 1)
	var unsigned map[string]any
	_ = json.Unmarshal(cert, &unsigned)
	delete(unsigned, "proof")
	noProof, _ := json.Marshal(unsigned)
	diNoProof := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1","https://w3id.org/vaccination/v1"],"type":["VerifiableCredential","VaccinationCertificate"],"issuer":"did:web:x.example","credentialSubject":{}}`)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"two-entries.zip", zipOf([]string{"certificate.json", "extra.json"}, cert, []byte("{}")), "2 entries"},
		{"bomb.zip", bomb, "more than"},
		{"other-name.zip", zipOf([]string{"cert.json"}, cert), "not certificate.json"},
		{"message", []byte("B64:" + base64.StdEncoding.EncodeToString(zipOf([]string{"a", "b"}, cert, cert))), "2 entries"},
		{"unknown-context.json", unknownCtx, "evil.example"},
		{"edited.json", edited, "signature"},
		{"unsigned.json", noProof, "proof"},
		{"unsigned-vc.json", diNoProof, "proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cands, err := w.Import(tc.name, tc.data)
			var ie *ImportError
			if !errors.As(err, &ie) || len(cands) != 0 {
				t.Fatalf("%d candidates, error %v; want an ImportError", len(cands), err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			t.Log(err)
		})
	}
	if creds, _ := w.Credentials(p.ID); len(creds) != 0 {
		t.Fatalf("kept %d credentials", len(creds))
	}
}

// ccgEvent is a W3C CCG VaccinationEvent of a child's MMR dose.
func ccgMMR() map[string]any {
	return map[string]any{"type": "VaccinationEvent", "batchNumber": "MMR-42", "administeringCentre": "Al Noor Family Clinic",
		"countryOfVaccination": "AE", "dateOfVaccination": "2024-08-01T10:00:00Z", "order": "1",
		"recipient": map[string]any{"type": "VaccineRecipient", "givenName": "Karim", "familyName": "Haddad", "birthDate": "2023-08-01"},
		"vaccine":   map[string]any{"type": "Vaccine", "disease": "Measles", "atcCode": "J07BD52", "medicinalProductName": "M-M-RvaxPro"}}
}

// TestVCJWTImport: a VC 2.0 vc+jwt from a did:key issuer the wallet
// trusts, pasted or as a .jwt file, is verified, merged into the child's
// doses so that the due list counts it, and presented as the issuer's
// compact JWS in a text QR code, whole; one too large for a QR code is
// refused saying so.
func TestVCJWTImport(t *testing.T) {
	key, _ := jose.GenerateKey()
	did := key.Public().DIDKey()
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic (did:key)"}, "keys": []any{}}}})
	sign := func(subject map[string]any) string {
		b, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/vaccination/v1"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": did, "validFrom": "2024-08-01T10:00:00Z",
			"credentialSubject": subject})
		s, err := key.Sign(jose.Header{Typ: "vc+jwt", OmitKid: true}, b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	jwt := sign(ccgMMR())
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Karim", Family: "Haddad", BirthDate: mustDate("2023-08-01"), Country: "AE"})
	dueMMR := func() int {
		items, err := w.Due(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range items {
			if d.Group == "MMR" {
				return d.Dose
			}
		}
		t.Fatalf("no MMR in the due list %+v", items)
		return 0
	}
	before := dueMMR()
	// Untrusted: shown unverified, marked.
	if cands, err := w.Import("paste", []byte(jwt)); err != nil || cands[0].Status != StatusUnknownIssuer || cands[0].Subject.Name != "Karim Haddad" || len(cands[0].Doses) != 1 {
		t.Fatalf("untrusted VC-JWT: %+v %v", cands, err)
	}
	if err := w.AddTrust("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"paste", "card.jwt"} {
		cands, err := w.Import(name, []byte("\n"+jwt+"\n"))
		if err != nil || len(cands) != 1 {
			t.Fatalf("%s: %v %v", name, cands, err)
		}
		if c := cands[0]; c.Format != FormatVCJWT || c.Status != StatusVerified || c.Subject.Name != "Karim Haddad" || c.Suggested != p.ID || c.IssuedAt.IsZero() {
			t.Fatalf("%s: %s %s %v %+v", name, c.Format, c.Status, c.Messages, c)
		}
	}
	cands, _ := w.Import("card.jwt", []byte(jwt))
	kept, err := w.Keep(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := w.Immunizations(p.ID)
	if i := slices.IndexFunc(groups, func(g DiseaseGroup) bool { return g.Disease == "Measles" }); i < 0 || groups[i].Doses[0].Lot != "MMR-42" {
		t.Fatalf("the VC's MMR dose is not under Measles: %+v", groups)
	}
	if after := dueMMR(); after != before+1 {
		t.Errorf("the due list asks for MMR dose %d after the VC's dose 1 (before: %d)", after, before)
	}
	pres, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}, Mode: ModeStatic})
	if err != nil {
		t.Fatal(err)
	}
	if it := pres.Items[0]; it.QR != jwt || it.Format != FormatVCJWT || !Whole(it.Format) {
		t.Fatalf("presented %+v", it)
	}
	vs := trust.New()
	_ = vs.Load("snap.json", snap)
	if r := (&verifier.Verifier{Trust: vs, At: testNow}).Verify([]verifier.Input{{Name: "shown.png", Data: qrPNG(t, pres.Items[0].QR)}})[0]; !r.Valid {
		t.Fatalf("the presented code does not verify: %v %v", r.Reasons, r.Messages)
	}

	// "Will this pass?": the context rules read the VC like any format.
	yf := ccgMMR()
	yf["vaccine"] = map[string]any{"type": "Vaccine", "disease": "Yellow fever", "atcCode": "J07BL01", "medicinalProductName": "Stamaril"}
	cands, err = w.Import("yf.jwt", []byte(sign(yf)))
	if err != nil {
		t.Fatal(err)
	}
	yk, err := w.Keep(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := w.CheckContext(p.ID, "yellow-fever", "en")
	if err != nil || cc.Verdict.Result != policy.Meets || cc.Credential != yk.ID {
		t.Fatalf("yellow-fever: %+v %v", cc, err)
	}

	// Too large for one QR code: kept, but presenting it says why not.
	big := ccgMMR()
	big["administeringCentre"] = strings.Repeat("Al Noor Family Clinic, ", 120)
	cands, err = w.Import("big.jwt", []byte(sign(big)))
	if err != nil || cands[0].Status != StatusVerified {
		t.Fatalf("big: %v %v", cands, err)
	}
	bk, err := w.Keep(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pe *PresentError
	if _, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{bk.ID}}); !errors.As(err, &pe) || !strings.Contains(err.Error(), "too large for one QR code") {
		t.Fatalf("big VC-JWT presented: %v", err)
	}
}

// TestVCDIImport: the eddsa-rdfc-2022 vector (signed by the Digital Bazaar
// peer) as a JSON file is verified, kept and presented as its JSON in a QR
// code that a verifier reads; edited after signing, it is refused and
// nothing of it is shown.
func TestVCDIImport(t *testing.T) {
	doc := bytes.TrimSpace(readVector(t, vcVectors+"eddsa-signed.json"))
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": m["issuer"], "name": "NZ MoH (did:key)"}, "keys": []any{}}}})
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "John", Family: "Smith", BirthDate: mustDate("1958-07-17")})
	_ = w.AddTrust("snap.json", snap)
	cands, err := w.Import("vc.json", doc)
	if err != nil || len(cands) != 1 {
		t.Fatalf("%v %v", cands, err)
	}
	c := cands[0]
	if c.Format != FormatVCDI || c.Status != StatusVerified || c.Subject.Name != "JOHN SMITH" || c.Suggested != p.ID {
		t.Fatalf("%s %s %v %+v", c.Format, c.Status, c.Messages, c.Subject)
	}
	kept, err := w.Keep(c, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := w.Immunizations(p.ID)
	if len(groups) != 1 || groups[0].Disease != "COVID-19" {
		t.Fatalf("doses: %+v", groups)
	}
	pres, err := w.Present(PresentRequest{ProfileID: p.ID, Credentials: []string{kept.ID}})
	if err != nil {
		t.Fatal(err)
	}
	vs := trust.New()
	_ = vs.Load("snap.json", snap)
	if r := (&verifier.Verifier{Trust: vs, At: testNow}).Verify([]verifier.Input{{Name: "shown.png", Data: qrPNG(t, pres.Items[0].QR)}})[0]; !r.Valid || r.Format != "vc-di" {
		t.Fatalf("the presented code does not verify: %v %v", r.Reasons, r.Messages)
	}

	edited := bytes.Replace(doc, []byte(`"SMITH"`), []byte(`"SMYTH"`), 1)
	w2 := newTestWallet(t, Options{})
	_ = w2.AddTrust("snap.json", snap)
	_, err = w2.Import("edited.json", edited)
	var ie *ImportError
	if !errors.As(err, &ie) || strings.Contains(err.Error(), "SMYTH") {
		t.Fatalf("edited: %v", err)
	}
}

// TestW3CUntrustedShown: a DIVOC certificate whose issuer the wallet does
// not trust is shown unverified (marked unknown-issuer), as other formats
// are, so the user can decide after a warning; kept anyway, it turns
// verified when the issuer's key is added to the trust.
func TestW3CUntrustedShown(t *testing.T) {
	pub, ek, _ := ed25519.GenerateKey(rand.Reader)
	s, err := divoctest.Sign(divoctest.Certificate(), ek, "did:lk", "")
	if err != nil {
		t.Fatal(err)
	}
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Asha", Family: "Verma", BirthDate: mustDate("1990-04-12")})
	cands, err := w.Import("qr.zip", divoctest.Payload(s))
	if err != nil || cands[0].Status != StatusUnknownIssuer || cands[0].Subject.Name != "Asha Verma" || len(cands[0].Doses) != 1 {
		t.Fatalf("%+v %v", cands, err)
	}
	kept, err := w.KeepUnverified(cands[0], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN"},
		"keys": []any{edJWK(pub, "did:lk")}}}})
	if err := w.AddTrust("cowin.json", snap); err != nil {
		t.Fatal(err)
	}
	if c, err := w.Credential(kept.ID); err != nil || c.Status != StatusVerified || c.Issuer.Name != "CoWIN" {
		t.Fatalf("after the trust was added: %s %v %v", c.Status, c.Reasons, err)
	}
}

// TestDemoDIVOC: the demo family's DIVOC certificate (assets/demo, imported
// by make run's wallet with the trust the registry's bundle carries after
// importing assets/demo/divoc-trust.json) verifies and goes to Youssef.
func TestDemoDIVOC(t *testing.T) {
	w := newTestWallet(t, Options{})
	p, _ := w.AddProfile(Profile{Given: "Youssef", Family: "Haddad", BirthDate: mustDate("1958-06-21")})
	_, _ = w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12")})
	if err := w.AddTrust("trust-3.json", readVector(t, "../assets/demo/divoc-trust.json")); err != nil {
		t.Fatal(err)
	}
	cands, err := w.Import("youssef-divoc.txt", readVector(t, "../assets/demo/divoc-youssef.txt"))
	if err != nil || len(cands) != 1 {
		t.Fatalf("%v %v", cands, err)
	}
	if c := cands[0]; c.Status != StatusVerified || c.Suggested != p.ID || c.Format != FormatDIVOC || len(c.Doses) != 1 || c.Doses[0].Date != "2021-09-14" {
		t.Fatalf("%s %v suggested %q %+v", c.Status, c.Messages, c.Suggested, c.Doses)
	}
}
