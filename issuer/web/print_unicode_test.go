package web

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

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
			if !strings.Contains(strings.ReplaceAll(page, "\n", " "), want) { // the card may wrap a long name
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
// (its Tj operands), one line each. The printers' Unicode font is
// Identity-H encoded with character codes that are the UTF-16 code units
// of the text (go-pdf/fpdf's UTF-8 fonts), so the operands decode as
// UTF-16BE.
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
		var lines []string
		for _, s := range literalStrings(content) {
			if len(s)%2 != 0 {
				continue
			}
			u := make([]uint16, len(s)/2)
			for i := range u {
				u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
			}
			lines = append(lines, string(utf16.Decode(u)))
		}
		pages = append(pages, strings.Join(lines, "\n"))
	}
	return pages
}

// literalStrings returns the PDF literal strings "(…)" of a content
// stream, unescaped.
func literalStrings(b []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); i++ {
		if b[i] != '(' {
			continue
		}
		var s []byte
		depth := 1
		for i++; i < len(b) && depth > 0; i++ {
			c := b[i]
			switch c {
			case '\\':
				i++
				if i >= len(b) {
					break
				}
				switch e := b[i]; e {
				case 'n':
					s = append(s, '\n')
				case 'r':
					s = append(s, '\r')
				case 't':
					s = append(s, '\t')
				case 'b':
					s = append(s, '\b')
				case 'f':
					s = append(s, '\f')
				default:
					if e >= '0' && e <= '7' {
						v := 0
						for k := 0; k < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
							v = v*8 + int(b[i]-'0')
							i++
						}
						i--
						s = append(s, byte(v))
					} else {
						s = append(s, e)
					}
				}
				continue
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					continue
				}
			}
			s = append(s, c)
		}
		i--
		out = append(out, s)
	}
	return out
}
