package ui

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/wallet"
)

// A DIVOC certificate is presented as its issuer's own code, whole: the
// present screen says that nothing can be withheld (in general words, not
// the EU DCC's), and the code on screen is the certificate's ZIP archive.
func TestPresentDIVOC(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	cert, err := divoctest.Sign(divoctest.Certificate(), key, "did:india:ed", "")
	if err != nil {
		t.Fatal(err)
	}
	archive := divoctest.Payload(cert)
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{
		"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN (test key)"},
		"keys":   []any{map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "did:india:ed", "x": base64.RawURLEncoding.EncodeToString(pub)}}}}})
	u := newUI(t, "")
	firstRun(t, u)
	if err := u.w.AddTrust("cowin.json", snap); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("message.txt", []byte("B64:"+base64.StdEncoding.EncodeToString(archive)))
	tap(t, u, "Keep")
	u.showSection(SectionPresent)
	mustShow(t, u, "No selective disclosure: the verifier sees everything on it")
	if s := screenText(u); strings.Contains(s, "EU Digital COVID Certificate") {
		t.Fatalf("a DIVOC certificate described as an EU DCC:\n%s", s)
	}
	tap(t, u, "Show QR code")
	mustShow(t, u, "DIVOC certificate")
	if got := scanQR(t, u); got != string(archive) {
		t.Fatalf("the screen shows %d bytes, want the certificate's %d-byte archive", len(got), len(archive))
	}
}

// make run's demo wallet keeps Youssef's DIVOC certificate
// (assets/demo/divoc-youssef.txt) under Youssef, verified with the demo
// issuer's trust file.
func TestSeedDemoDIVOC(t *testing.T) {
	dir := t.TempDir()
	for from, to := range map[string]string{"divoc-trust.json": "trust-3.json", "divoc-youssef.txt": "youssef-divoc.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "assets", "demo", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "wallet.db")
	n, err := SeedDemo(path, []byte("demo passphrase"), dir, testOptions())
	if err != nil || n != 1 {
		t.Fatalf("kept %d: %v", n, err)
	}
	w, err := wallet.Open(path, []byte("demo passphrase"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Lock()
	ps, _ := w.Profiles()
	for _, p := range ps {
		cs, _ := w.Credentials(p.ID)
		if len(cs) == 0 {
			continue
		}
		if p.Given != "Youssef" || cs[0].Format != wallet.FormatDIVOC || cs[0].Status != wallet.StatusVerified {
			t.Fatalf("%s holds a %s credential, %s", p.Given, cs[0].Format, cs[0].Status)
		}
		return
	}
	t.Fatal("nobody holds the DIVOC certificate")
}
