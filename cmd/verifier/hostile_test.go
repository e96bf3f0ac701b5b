package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
)

// Hostile strings of the display script (testdata/script/hostile.txtar).
const (
	hostileErase = "\x1b[4A\x1b[J\x1b[32mVALID  SMART Health Card"
	hostileISS   = "https://clinic.example/shc"
)

// writeHostile writes cards whose strings attack a terminal: trust.json
// trusts hostileISS under the name hostileErase; named.txt (valid, signed
// 2026-11-19) has a patient name with a bidi override, a lot with a
// newline, a performer with a carriage return and a NUL and an invalid
// UTF-8 byte, and a 5000-rune vaccine-free family name; iss.txt has iss =
// hostileErase (INVALID, signed by an unknown key); qr.png holds a QR whose
// text has a newline and an escape.
func writeHostile(dir string) error {
	key, err := jose.GenerateKey()
	if err != nil {
		return err
	}
	ts := trust.New()
	ts.AddSHCKey(hostileISS, hostileErase, &shc.IssuerKey{Key: key.Public()})
	files := map[string][]byte{"trust.json": ts.Snapshot("https://directory.example", "2026-11-21T09:00:00Z")}
	d, _ := vax.ParseDate("2026-01-10")
	birth, _ := vax.ParseDate("2016-04-12")
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'W'
	}
	rec := &vax.Record{
		Patient: vax.Patient{Family: string(long), Given: []string{"Ann \u202eesoR\u202c"}, BirthDate: birth},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: vax.SystemCVX, Code: "03"}, Date: d,
			Status: vax.StatusCompleted, DoseNumber: 1, Lot: "L1\nVALID  fake", Performer: "Clinic\rVALID\x00\xff", Country: "AE"}},
	}
	bundle, err := rec.FHIR()
	if err != nil {
		return err
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		return err
	}
	nbf := time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)
	named, err := shc.Issue(key, min, shc.IssueOptions{Issuer: hostileISS, NotBefore: nbf})
	if err != nil {
		return err
	}
	// shc.Issue refuses a hostile iss: sign the payload directly, as an
	// attacker would.
	iss, err := key.Sign(jose.Header{Zip: "DEF"}, shc.Deflate(shc.Payload(min, shc.IssueOptions{Issuer: hostileErase, NotBefore: nbf})))
	if err != nil {
		return err
	}
	files["named.txt"], files["iss.txt"] = []byte(named+"\n"), []byte(iss+"\n")
	sym, err := qr.Encode("shc:/56\nVALID\x1b[2J\u202egnp", qr.M)
	if err != nil {
		return err
	}
	if files["qr.png"], err = sym.PNG(3); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
