package wallet

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/pdftext"
)

// TestPrintPDFUnicodeNames: a profile named in Arabic and one named in
// French, with an Arabic issuer name, print as written: the PDF draws the
// names shaped and in display order (on the record page and on the card),
// never "?" as the old Windows-1252 core fonts did.
func TestPrintPDFUnicodeNames(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	c.trust = trust.New()
	c.trust.AddSHCKey(clinicISS, "مستشفى النور", &shc.IssuerKey{Key: c.key.Public()})
	c.snapshot = c.trust.Snapshot("https://directory.example", testNow.Format("2006-01-02T15:04:05Z07:00"))
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ given, family string }{
		{"أمل", "حداد"},
		{"Zoë", "Müller-Lefèvre"},
	} {
		prof, err := w.AddProfile(Profile{Given: tc.given, Family: tc.family, BirthDate: mustDate("2025-08-01"), Country: "AE"})
		if err != nil {
			t.Fatal(err)
		}
		cands, err := w.Import("card.txt", []byte(c.shc(t, karimRecord())))
		if err != nil || len(cands) != 1 {
			t.Fatal(cands, err)
		}
		if _, err := w.Keep(cands[0], prof.ID); err != nil {
			t.Fatal(err)
		}
		var pdf bytes.Buffer
		if err := w.PrintPDF(prof.ID, &pdf); err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("PRINT_PDF_DIR"); dir != "" { // for a look: make the screenshots
			os.WriteFile(dir+"/wallet-"+tc.given+".pdf", pdf.Bytes(), 0o644)
		}
		text := pdfText(t, pdf.Bytes())
		name := pdftext.Shape(tc.given+" "+tc.family, false)
		if n := strings.Count(text, name); n < 2 { // on one line: the card shrinks a long name
			t.Errorf("%s %s: the name %+q is drawn %d times, want the page and the card:\n%s", tc.given, tc.family, name, n, text)
		}
		if !strings.Contains(text, pdftext.Shape("مستشفى النور", false)) {
			t.Errorf("%s %s: the Arabic issuer name is not drawn:\n%s", tc.given, tc.family, text)
		}
		if strings.Contains(text, "?") {
			t.Errorf("%s %s: the PDF draws a \"?\":\n%s", tc.given, tc.family, text)
		}
	}
}
