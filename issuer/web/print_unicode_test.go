package web

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/internal/pdftext"
	"github.com/immunopass/immunopass/issuer/service"
)

// TestRecordPDFUnicodeNames: an Arabic and a French name print as
// written, on the A4 page and on the wallet card: the text the PDF draws
// (read back from its page content) is the name shaped and in display
// order, never "?". The old printer used Windows-1252 core fonts and drew
// "??? ????".
func TestRecordPDFUnicodeNames(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct{ given, family string }{
		{"أمل", "حداد"},
		{"Zoë", "Müller-Lefèvre"},
	} {
		fhir := strings.Replace(string(assets.DemoRecord()), `"family":"Haddad","given":["Amira"]`,
			`"family":"`+tc.family+`","given":["`+tc.given+`"]`, 1)
		rec, bundle, err := service.ReadRecord([]byte(fhir))
		if err != nil {
			t.Fatal(err)
		}
		en, err := e.svc.Issue("nurse1", service.Submission{Record: rec, Bundle: bundle})
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := RecordPDF(en, "مستشفى النور · Al Noor")
		if err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("PRINT_PDF_DIR"); dir != "" { // for a look: make the screenshots
			os.WriteFile(dir+"/"+tc.given+".pdf", pdf, 0o644)
		}
		name := tc.given + " " + tc.family
		want := pdftext.Shape(name, false)
		pages := drawnText(t, pdf)
		if len(pages) != 2 {
			t.Fatalf("%s: %d pages, want 2", name, len(pages))
		}
		for i, page := range pages {
			if !strings.Contains(page, want) { // on one line: the card shrinks a long name
				t.Errorf("%s: page %d does not draw %+q; it draws:\n%s", name, i+1, want, page)
			}
			if strings.Contains(page, "?") {
				t.Errorf("%s: page %d draws a \"?\":\n%s", name, i+1, page)
			}
		}
		if !strings.Contains(pages[0], pdftext.Shape("Issued by مستشفى النور · Al Noor", false)) {
			t.Errorf("%s: the Arabic issuer name is not drawn in display order:\n%s", name, pages[0])
		}
	}
}

// drawnText returns, per page, the strings a PDF's page content draws
// (pdftext.Drawn of each page's content), one line each.
func drawnText(t *testing.T, pdf []byte) []string {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.Offline = true
	ctx, err := api.ReadContext(bytes.NewReader(pdf), conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		t.Fatal(err)
	}
	var pages []string
	for p := 1; p <= ctx.PageCount; p++ {
		r, err := pdfcpu.ExtractPageContent(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		lines := pdftext.Drawn(content)
		pages = append(pages, strings.Join(lines, "\n"))
	}
	return pages
}

// BenchmarkRecordPDF: one printout (A4 page and card, the demo record's
// SMART Health Card), as the record page and each row of a campaign ZIP
// make it; reports the PDF's size.
func BenchmarkRecordPDF(b *testing.B) {
	e := newEnv(b, Options{})
	fhir := strings.Replace(string(assets.DemoRecord()), `"family":"Haddad","given":["Amira"]`, `"family":"حداد","given":["أمل"]`, 1)
	rec, bundle, err := service.ReadRecord([]byte(fhir))
	if err != nil {
		b.Fatal(err)
	}
	en, err := e.svc.Issue("nurse1", service.Submission{Record: rec, Bundle: bundle})
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		pdf, err := RecordPDF(en, "مستشفى النور · Al Noor")
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
