package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
)

// printout is a clinic's printout: a title, a logo-like block, and the QR
// code, made with fpdf as a clinic's software would.
func printout(t testing.TB, pngs ...[]byte) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.Cell(0, 10, "Al Noor Family Clinic - vaccination record")
	// A logo: an image that is not a QR code.
	logo := image.NewRGBA(image.Rect(0, 0, 40, 40))
	draw.Draw(logo, logo.Bounds(), &image.Uniform{color.RGBA{0, 120, 80, 255}}, image.Point{}, draw.Src)
	var lb bytes.Buffer
	_ = jpeg.Encode(&lb, logo, nil)
	pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "JPG"}, &lb)
	pdf.ImageOptions("logo", 170, 10, 20, 20, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	for i, png := range pngs {
		name := fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		pdf.ImageOptions(name, 30, 40+float64(i)*110, 100, 100, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestImportFormats(t *testing.T) {
	c := newClinic(t)
	w := newTestWallet(t, Options{})
	amira, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12"), Country: "AE"})
	karim, _ := w.AddProfile(Profile{Given: "Karim", Family: "Haddad", BirthDate: mustDate("2025-08-01"), Country: "AE"})
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("status.jwt", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	jws := c.shc(t, demoRecord(t))
	qrText, _ := shc.EncodeQR(jws)
	png := shcQRPNG(t, jws)
	karimKey, _ := w.holderKey(karim.ID)
	sd, _ := c.sdjwt(t, karimRecord(), karimKey.Public())
	sdQR, _ := sdjwt.EncodeQR(sd)
	big := demoRecord(t)
	for i := 0; i < 30; i++ {
		im := big.Immunizations[len(big.Immunizations)-1]
		im.Lot = fmt.Sprintf("LOT%04dX%d", i*7919%10000, i)
		im.Date.Year++
		big.Immunizations = append(big.Immunizations, im)
	}
	bigJWS := c.shc(t, big)
	chunks, err := shc.EncodeChunks(bigJWS)
	if err != nil || len(chunks) < 2 {
		t.Fatalf("chunks: %v, %d", err, len(chunks))
	}
	svg := func() []byte { s, _ := qr.EncodeSHC(qrText); return s.SVG() }()

	cases := []struct {
		name, input string
		data        []byte
		format      string
		status      Status
		suggested   string
		match       Match
	}{
		{"png", "card.png", png, FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"svg", "card.svg", svg, FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"pdf", "printout.pdf", printout(t, png), FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"shc file", "c.smart-health-card", []byte(`{"verifiableCredential":["` + jws + `"]}`), FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"pasted shc:/", "paste", []byte("  " + qrText + "\n"), FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"pasted in prose", "paste", []byte("Here is the card: " + qrText + " thanks"), FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"pasted JWS", "paste", []byte(jws), FormatSHC, StatusVerified, amira.ID, MatchFull},
		{"sd-jwt file", "karim.sd-jwt", []byte(sd + "\n"), FormatSDJWTVC, StatusVerified, karim.ID, MatchHolderKey},
		{"IP1:", "paste", []byte(sdQR), FormatSDJWTVC, StatusVerified, karim.ID, MatchHolderKey},
		{"HC1:", "paste", []byte("HC1:NCFTW2BM75VOO10KHHCUGEE45HB/J0DUIXEUKPAKGSITRD4PH.L0+6R.6USQN$9Q39V$K B9N3B2J7E31UN7ECHOXN5HM9QN$L9L-OWE4UNN88RTCVDCQF1E  NDLSUMBG%RVPBX*O4LT0B8NKF2WTR:5Z3EA-ND9IW$2:U7U$FOU6UVT2Y2/URB2NFPDT2J112748%F1+FNZDAI627U66I07VH7/BHE1E33CGCHGCD61Y6B JD1GINNG2Q39613E1Q-9B8G.SM1M8-EF1R8I64+E06/96QS9YP1D2%XK0SCBQRDFIBEGID1W34THEKFL36PX:G9TAB5F6UE/*SD3M4.BOLJ62WL23.4MXWN41BW37$DM:7E.QL%QLNDQN5NG8LWTD4KP8DB47TZX4-:P%E64NIJNOTYQNUAKL19TTZ/KM+D.%O+THCSL:%D%R41A65$GX720QRUE9K3M-UJ:/AWYBV3Q-L67VP1CN*GFN$VQ K9XLYQ81QUNOC4WR6NJK1OCUD2UT3XPY5MG6LW:B0GWU5N$J7QMNPAWX-1EQAMAFVZV4:M/*0:.943BX*PO7KIXRR7LG46Y%V WHMKH"), FormatHCERT, StatusUnknownIssuer, "", MatchNone}, // an EU test vector (dgc-testdata CO3) whose signer this wallet does not trust
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cands, err := w.Import(tc.input, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(cands) != 1 {
				t.Fatalf("%d candidates", len(cands))
			}
			cd := cands[0]
			if cd.Format != tc.format || cd.Status != tc.status || cd.Suggested != tc.suggested || cd.Match != tc.match {
				t.Fatalf("got format %s status %s (%v %v) suggested %q (%v)", cd.Format, cd.Status, cd.Reasons, cd.Messages, cd.Suggested, cd.Match)
			}
			if tc.format == FormatSHC && cd.ID != credentialID(jws) {
				t.Fatal("an SHC's ID is the digest of its JWS, whatever it came in")
			}
		})
	}

	// Chunks, pasted in any order, become one card.
	rev := strings.Join([]string{chunks[len(chunks)-1], strings.Join(chunks[:len(chunks)-1], "\n")}, "\n")
	cands, err := w.Import("paste", []byte(rev))
	if err != nil || len(cands) != 1 || cands[0].Status != StatusVerified || cands[0].ID != credentialID(bigJWS) {
		t.Fatalf("chunks: %v %+v", err, cands)
	}
	// A missing chunk decodes to no credential: an error that says why,
	// never a card to keep.
	cands, err = w.Import("paste", []byte(strings.Join(chunks[1:], "\n")))
	var ue *UnreadableError
	if !errors.As(err, &ue) || len(cands) != 0 || !strings.Contains(err.Error(), "missing chunk 1 of") {
		t.Fatalf("missing chunk: %v %+v", err, cands)
	}

	// Keep from the image; the same card from the file is then a duplicate.
	cands, _ = w.Import("card.png", png)
	kept, err := w.Keep(cands[0], amira.ID)
	if err != nil || kept.Status != StatusVerified {
		t.Fatal(err, kept.Status)
	}
	again, _ := w.Import("c.smart-health-card", []byte(`{"verifiableCredential":["`+jws+`"]}`))
	if again[0].Duplicate != amira.ID {
		t.Fatalf("duplicate not recognised: %+v", again[0])
	}
	if k2, _ := w.Keep(again[0], amira.ID); k2.Added != kept.Added || k2.Source != "card.png" {
		t.Fatal("keeping a duplicate must return the credential already held")
	}
	// The bound SD-JWT is kept as bound.
	cands, _ = w.Import("karim.sd-jwt", []byte(sd))
	kc, _ := w.Keep(cands[0], karim.ID)
	if !kc.Bound {
		t.Fatal("SD-JWT bound to Karim's key not marked bound")
	}
	if cs, _ := w.Credentials(""); len(cs) != 2 {
		t.Fatalf("%d credentials", len(cs))
	}
}

func TestImportVerdicts(t *testing.T) {
	c := newClinic(t)
	other := newClinic(t) // an issuer the wallet does not trust
	w := newTestWallet(t, Options{})
	_ = w.AddTrust("directory.json", c.snapshot)
	holder, _ := jose.GenerateKey()
	rec := demoRecord(t)
	revokedSD, idx := c.sdjwt(t, rec, holder.Public())
	_ = c.list.Set(idx, status.Invalid)
	_ = w.AddTrust("status.jwt", c.statusToken(t))

	expired, _ := shc.Issue(c.key, mustMin(t, rec), shc.IssueOptions{Issuer: clinicISS, NotBefore: testNow.Add(-400 * 24 * time.Hour), Expires: testNow.Add(-24 * time.Hour)})
	tampered := c.shc(t, rec)
	tampered = tampered[:len(tampered)-6] + "AAAAAA"
	noList := newClinic(t)
	ts := trust.New()
	ts.AddSHCKey(clinicISS, "Al Noor", &shc.IssuerKey{Key: noList.key.Public()})
	unchecked, _ := noList.sdjwt(t, rec, holder.Public())

	cases := []struct {
		name string
		w    *Wallet
		text string
		want Status
	}{
		{"unknown issuer", w, other.shc(t, rec), StatusUnknownIssuer},
		{"revoked", w, revokedSD, StatusRevoked},
		{"expired", w, expired, StatusExpired},
		{"bad signature", w, tampered, StatusInvalid},
		{"no status list", newTestWallet(t, Options{Trust: func() *trust.Store { return ts }}), unchecked, StatusUnchecked},
	}
	for _, tc := range cases {
		cands, err := tc.w.Import("paste", []byte(tc.text))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cands[0].Status != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, cands[0].Status, cands[0].Reasons, tc.want)
		}
		// What it says is still shown.
		if cands[0].Subject.Name != "Amira Haddad" {
			t.Errorf("%s: subject %+v", tc.name, cands[0].Subject)
		}
	}
}

// TestRecheckOnNewTrust: a credential kept as verified turns revoked as soon
// as the wallet gets trust that revokes it, with no call but AddTrust; and
// the verdict without a registry bundle has no bundle date.
func TestRecheckOnNewTrust(t *testing.T) {
	c := newClinic(t)
	w := newTestWallet(t, Options{})
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	holder, _ := jose.GenerateKey()
	sd, idx := c.sdjwt(t, demoRecord(t), holder.Public())
	if err := w.AddTrust("status.jwt", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	p, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12")})
	cands, err := w.Import("paste", []byte(sd))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := w.Keep(cands[0], p.ID)
	if err != nil || kept.Status != StatusVerified || !kept.TrustAsOf.IsZero() {
		t.Fatalf("kept %q as of %v: %v", kept.Status, kept.TrustAsOf, err)
	}
	_ = c.list.Set(idx, status.Invalid)
	if err := w.AddTrust("status.jwt", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Credential(kept.ID); got.Status != StatusRevoked {
		t.Errorf("after the new status list: %q %v, want revoked", got.Status, got.Reasons)
	}
	// Forgetting the issuer's directory leaves it unknown, not revoked or verified.
	if err := w.RemoveTrust("directory.json"); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Credential(kept.ID); got.Status != StatusUnknownIssuer {
		t.Errorf("without the directory: %q", got.Status)
	}
}

// TestKeepNeverJunk: what decodes to no credential is an import error, and
// Keep refuses it even when handed one; a credential that does not verify
// is kept only with KeepUnverified.
func TestKeepNeverJunk(t *testing.T) {
	c := newClinic(t)
	w := newTestWallet(t, Options{})
	_ = w.AddTrust("directory.json", c.snapshot)
	p, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12")})
	jws := c.shc(t, demoRecord(t))
	qr, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{
		qr[:len(qr)/2], // a truncated paste
		qr[:len(qr)-3] + "x9z",
		"shc:/" + strings.Repeat("0", 40),
		jws[:len(jws)/2],
		"IPC1:ABC",
	} {
		cands, err := w.Import("paste", []byte(junk))
		var ie *ImportError
		if !errors.As(err, &ie) || len(cands) != 0 {
			t.Errorf("%.30q: %v, %d candidates", junk, err, len(cands))
		}
		if strings.HasPrefix(junk, "shc:/") && err != nil && !strings.Contains(err.Error(), "no readable credential") {
			t.Errorf("%.30q: the error does not say so: %v", junk, err)
		}
		forged := Candidate{Source: "paste", Format: FormatSHC, Text: junk, ID: credentialID(junk), Status: StatusInvalid}
		if _, err := w.KeepUnverified(forged, p.ID); !errors.As(err, &ie) {
			t.Errorf("%.30q kept: %v", junk, err)
		}
	}
	if cs, _ := w.Credentials(""); len(cs) != 0 {
		t.Fatalf("junk stored: %d credentials", len(cs))
	}
	// A readable card whose signature fails: a candidate, refused by Keep,
	// kept marked by KeepUnverified.
	tampered := jws[:len(jws)-6] + "AAAAAA"
	cands, err := w.Import("paste", []byte(tampered))
	if err != nil || len(cands) != 1 || cands[0].Status != StatusInvalid || !cands[0].Readable() {
		t.Fatalf("tampered: %v %+v", err, cands)
	}
	var ue *UnverifiedError
	if _, err := w.Keep(cands[0], p.ID); !errors.As(err, &ue) || ue.Status != StatusInvalid {
		t.Fatalf("keep tampered: %v", err)
	}
	if got, err := w.KeepUnverified(cands[0], p.ID); err != nil || got.Status != StatusInvalid {
		t.Fatalf("keep tampered after the warning: %q %v", got.Status, err)
	}
}

func mustMin(t testing.TB, rec interface{ FHIR() ([]byte, error) }) []byte {
	b, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	m, err := shc.Minify(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestImportErrors(t *testing.T) {
	w := newTestWallet(t, Options{})
	cases := []struct{ name, data string }{
		{"empty.txt", "  \n"},
		{"note.txt", "my son's vaccines are fine"},
		{"card.png", "\x89PNG not really"},
		{"x.pdf", "%PDF-1.7 garbage"},
		{"c.smart-health-card", `{"verifiableCredential":[]}`},
	}
	for _, c := range cases {
		var ie *ImportError
		if _, err := w.Import(c.name, []byte(c.data)); !errors.As(err, &ie) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A PDF without a QR code.
	pdf := printout(t)
	var ie *ImportError
	if _, err := w.Import("letter.pdf", pdf); !errors.As(err, &ie) || !strings.Contains(err.Error(), "no QR code") {
		t.Errorf("pdf without QR: %v", err)
	}
	// A challenge is not a credential.
	cands, err := w.Import("paste", []byte("IPC1:ABC"))
	if !errors.As(err, &ie) || len(cands) != 0 || !strings.Contains(err.Error(), "challenge") {
		t.Errorf("challenge pasted as credential: %v %+v", err, cands)
	}
}
