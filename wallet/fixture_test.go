package wallet

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet/store"
)

const (
	clinicISS = "https://clinic.example/shc"
	listURI   = "https://clinic.example/status/1"
)

// testNow is the fixed clock of the tests: Amira is 10, Karim 1 year old.
var testNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// clinic issues credentials the way a real clinic would, and publishes the
// trust files a wallet needs.
type clinic struct {
	key      *jose.PrivateKey
	trust    *trust.Store
	snapshot []byte // VCI directory snapshot
	list     *status.List
	next     int
}

func newClinic(t testing.TB) *clinic {
	t.Helper()
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c := &clinic{key: k, trust: trust.New(), next: 100}
	c.trust.AddSHCKey(clinicISS, "Al Noor Family Clinic", &shc.IssuerKey{Key: k.Public()})
	c.snapshot = c.trust.Snapshot("https://directory.example", testNow.Format(time.RFC3339))
	c.list, _ = status.New(2, status.MinSize)
	return c
}

// statusToken is the clinic's current status list.
func (c *clinic) statusToken(t testing.TB) []byte {
	tok, err := c.list.Token(c.key, listURI, testNow.Add(-time.Hour), testNow.Add(30*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(tok)
}

func (c *clinic) shc(t testing.TB, rec *vax.Record) string {
	t.Helper()
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
	return jws
}

func (c *clinic) sdjwt(t testing.TB, rec *vax.Record, holder *jose.Key) (string, int) {
	t.Helper()
	c.next++
	is, err := sdjwt.Issue(c.key, sdjwt.IssueRequest{
		Issuer: clinicISS, IssuedAt: testNow.Add(-24 * time.Hour), Holder: holder,
		Status: &sdjwt.StatusRef{URI: listURI, Idx: c.next}, Claims: sdjwt.FromRecord(rec), Decoys: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	return is.String(), c.next
}

func shcQRPNG(t testing.TB, jws string) []byte {
	t.Helper()
	text, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	sym, err := qr.EncodeSHC(text)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(3)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

func demoRecord(t testing.TB) *vax.Record {
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// karim is Amira's little brother: hexavalent at 2 and 4 months only.
func karimRecord() *vax.Record {
	d := func(s string) vax.Date { x, _ := vax.ParseDate(s); return x }
	im := func(code, date string, dose int, lot string) vax.Immunization {
		return vax.Immunization{Vaccine: vax.Coding{System: vax.SystemCVX, Code: code}, Date: d(date), Status: vax.StatusCompleted,
			DoseNumber: dose, Lot: lot, Performer: "Al Noor Family Clinic", Country: "AE"}
	}
	return &vax.Record{
		Patient: vax.Patient{Family: "Al-Haddad", Given: []string{"Karim"}, BirthDate: d("2025-08-01")},
		Immunizations: []vax.Immunization{
			im("19", "2025-08-02", 1, "BCG2508A"),
			im("146", "2025-10-01", 1, "HX2591A"),
			im("146", "2025-12-02", 2, "HX2597B"),
		},
	}
}

// newTestWallet is an empty wallet on an in-memory store with the fixed
// clock, trusting nothing yet.
func newTestWallet(t testing.TB, opt Options) *Wallet {
	t.Helper()
	opt.Store = store.NewMem([]byte("correct horse"))
	if opt.Now == nil {
		opt.Now = func() time.Time { return testNow }
	}
	w, err := Create("", nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustDate(s string) vax.Date {
	d, err := vax.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
