package wallet

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/internal/pdftext"
)

// TestHostileStringsShownSafe keeps a card whose issuer name, lot,
// performer and vaccine name attack a terminal or a reader (ANSI erase,
// newline, carriage return, bidi override, NUL, invalid UTF-8, 5000 runes)
// for a profile named with a bidi override: the dose view and the PDF
// printout show them escaped and bounded.
func TestHostileStringsShownSafe(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	c.trust = trust.New()
	c.trust.AddSHCKey(clinicISS, "\x1b[2J\x1b[32mVALID Ministry", &shc.IssuerKey{Key: c.key.Public()})
	c.snapshot = c.trust.Snapshot("https://directory.example", testNow.Format("2006-01-02T15:04:05Z07:00"))
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	prof, err := w.AddProfile(Profile{Given: "Ann \u202eesoR\u202c", Family: "Haddad", BirthDate: mustDate("2025-08-01"), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	rec := karimRecord()
	rec.Immunizations[0].Lot = "L1\nVALID fake"
	rec.Immunizations[0].Performer = "Clinic\rVALID\x00\xff"
	rec.Immunizations[1].Lot = strings.Repeat("W", 5000)
	rec.Immunizations[1].Vaccine.Display = "Hexa \u202eenicca\u202c"
	cands, err := w.Import("card.txt", []byte(c.shc(t, rec)))
	if err != nil || len(cands) != 1 {
		t.Fatal(cands, err)
	}
	if _, err := w.Keep(cands[0], prof.ID); err != nil {
		t.Fatal(err)
	}

	groups, err := w.Immunizations(prof.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range groups {
		for _, d := range g.Doses {
			for _, s := range []string{d.Lot, d.Clinic, d.Vaccine.Display, d.Country} {
				if !display.Clean(s) || len([]rune(s)) > display.Max {
					t.Errorf("dose view shows %q", s)
				}
				seen[s] = true
			}
		}
	}
	for _, want := range []string{`L1\nVALID fake`, `Clinic\rVALID\x00` + "\uFFFD"} {
		if !seen[want] {
			t.Errorf("dose view lacks %q", want)
		}
	}

	var pdf bytes.Buffer
	if err := w.PrintPDF(prof.ID, &pdf); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf.Bytes())
	for _, bad := range []string{"\x1b", "\x00", "\r", "\nVALID fake", strings.Repeat("W", display.Max+1)} {
		if strings.Contains(text, bad) {
			t.Errorf("PDF text holds %q", bad)
		}
	}
	for _, want := range []string{`L1\nVALID fake`, `\x1b[2J\x1b[32mVALID Ministry`, `Ann \u202eesoR\u202c Haddad`} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

// pdfText is the text every page of a PDF draws (pdftext.Drawn of its
// page content, read with pdfcpu), one line per string drawn.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.Offline = true
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for p := 1; p <= ctx.PageCount; p++ {
		r, err := pdfcpu.ExtractPageContent(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range pdftext.Drawn(b) {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}
