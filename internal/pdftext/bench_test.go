package pdftext

import (
	"io"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/immunopass/immunopass/internal/ratiobench"
)

// BenchmarkEmbeddedFont: what the embedded font costs a printout. A page of
// ten lines written with Register's font (parsed, subset and embedded at
// output) against the same page in a PDF core font (Helvetica, nothing
// embedded), interleaved (internal/ratiobench).
func BenchmarkEmbeddedFont(b *testing.B) {
	lines := []string{"Vaccination record", "أمل حداد   born 2016-04-12", "Issued by مستشفى النور · Al Noor", "2016-04-13  BCG  1/1  BCG1603K"}
	page := func(family string, shape func(string) string) error {
		pdf := fpdf.New("P", "mm", "A4", "")
		if family == Family {
			Register(pdf)
		}
		pdf.AddPage()
		for _, style := range []string{"B", "", "I"} {
			pdf.SetFont(family, style, 10)
			for _, l := range lines {
				pdf.CellFormat(180, 5, shape(l), "", 1, "L", false, 0, "")
			}
		}
		return pdf.Output(io.Discard)
	}
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	ratiobench.Run(b,
		func() error { return page(Family, func(s string) string { return Shape(s, false) }) },
		func() error { return page("Helvetica", tr) })
}

// BenchmarkShape: one line with an Arabic name in an English sentence.
func BenchmarkShape(b *testing.B) {
	for b.Loop() {
		Shape("أمل حداد   born 2016-04-12 · مستشفى النور", false)
	}
}
