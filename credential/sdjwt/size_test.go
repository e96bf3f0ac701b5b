package sdjwt

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/vax"
)

// threeDoses is the size benchmark's record: a name, a birth date and
// three COVID-19 doses with lots and a clinic.
func threeDoses() *vax.Record {
	d := func(s string) vax.Date { x, _ := vax.ParseDate(s); return x }
	rec := &vax.Record{Patient: vax.Patient{Family: "Haddad", Given: []string{"Amira"}, BirthDate: d("1986-04-12")}}
	for i, day := range []string{"2021-04-01", "2021-04-22", "2021-12-15"} {
		rec.Immunizations = append(rec.Immunizations, vax.Immunization{
			Vaccine: vax.Coding{System: vax.SystemCVX, Code: "208"}, Date: d(day), Status: vax.StatusCompleted,
			DoseNumber: i + 1, Lot: fmt.Sprintf("EW01%02d", 82+i), Performer: "Al Noor Family Clinic", Country: "AE",
		})
	}
	return rec
}

type sizeRow struct {
	name           string
	text           string
	rawVer, ip1Ver int
	rawLen, ip1Len int
}

func measure(t testing.TB) []sizeRow {
	issuer, _ := jose.GenerateKey()
	holder, _ := jose.GenerateKey()
	verifier, _ := jose.GenerateKey()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	is, err := Issue(issuer, IssueRequest{
		Issuer: "https://clinic.example/shc", IssuedAt: now, Holder: holder.Public(),
		Status: &StatusRef{URI: "https://registry.example/status/1", Idx: 104729}, Claims: FromRecord(threeDoses()),
	})
	if err != nil {
		t.Fatal(err)
	}
	held, _ := Decode(is.String())
	bind := func(keep func(string) bool) string {
		s, err := Bind(held.Select(keep), holder, verifier.Public().DIDKey(), "n-0S6_WzA2Mj0RAw", now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rows := []sizeRow{
		{name: "as issued (all disclosures, no KB)", text: is.String()},
		{name: "full presentation + KB", text: bind(func(string) bool { return true })},
		{name: "doses only + KB", text: bind(func(p string) bool { return strings.HasPrefix(p, "doses[") })},
		{name: "name + last dose + KB", text: bind(func(p string) bool { return p == "given_name" || p == "family_name" || p == "doses[2]" })},
	}
	for i := range rows {
		r := &rows[i]
		ip1, err := EncodeQR(r.text)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := qr.Encode(r.text, qr.L)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := qr.Encode(ip1, qr.L)
		if err != nil {
			t.Fatal(err)
		}
		r.rawLen, r.rawVer, r.ip1Len, r.ip1Ver = len(r.text), raw.Version(), len(ip1), enc.Version()
	}
	return rows
}

// TestQRSize holds the goal: a full presentation with key binding fits
// version 27 at EC L. IMMUNOPASS_SIZE_TABLE=1 prints the README's table.
func TestQRSize(t *testing.T) {
	rows := measure(t)
	if os.Getenv("IMMUNOPASS_SIZE_TABLE") != "" {
		fmt.Println("| presentation | SD-JWT text | QR (byte mode) | IP1 text | QR (alphanumeric) |")
		fmt.Println("|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Printf("| %s | %d chars | V%d | %d chars | V%d |\n", r.name, r.rawLen, r.rawVer, r.ip1Len, r.ip1Ver)
		}
	}
	if full := rows[1]; full.ip1Ver > 27 {
		t.Errorf("full presentation + KB is V%d in the IP1 form, over the V27 goal", full.ip1Ver)
	}
}
