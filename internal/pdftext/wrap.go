package pdftext

import (
	"sort"
	"strings"

	"github.com/go-pdf/fpdf"
)

// Wrap breaks the logical line s into lines no wider than limit, as measured
// by width on the shaped text (Shape(line, false)), breaking at spaces, and
// inside a word only when the word alone is too wide. It returns the lines
// in logical order, for the caller to shape one by one: a line of mixed
// Arabic and Latin must be broken before it is reordered, or its words
// would change lines. "\n" in s always breaks.
func Wrap(s string, limit float64, width func(string) float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			cand := w
			if line != "" {
				cand = line + " " + w
			}
			if width(Shape(cand, false)) <= limit {
				line = cand
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			// The word alone: cut it if it does not fit.
			rs := []rune(w)
			for len(rs) > 0 {
				// The longest prefix that fits (at least one rune),
				// by bisection: width grows with the prefix.
				n := sort.Search(len(rs), func(k int) bool {
					return width(Shape(string(rs[:k+1]), false)) > limit
				})
				n = max(n, 1)
				if n == len(rs) {
					line = string(rs)
					break
				}
				out = append(out, string(rs[:n]))
				rs = rs[n:]
			}
		}
		out = append(out, line)
	}
	return out
}

// MultiLine writes the logical text s into pdf at the current position as
// left-aligned lines of width w and height h (what fpdf's MultiCell does,
// but broken before shaping: see Wrap), each shaped; the position ends
// below the last line, at the same x.
func MultiLine(pdf *fpdf.Fpdf, w, h float64, s string) {
	avail := w - 2*pdf.GetCellMargin()
	for _, line := range Wrap(s, avail, pdf.GetStringWidth) {
		pdf.CellFormat(w, h, Shape(line, false), "", 2, "L", false, 0, "")
	}
}

// Fit writes s as MultiLine does, first shrinking the current font from
// size down to no less than min points until s fits on one line of width
// w: a name on a card shrinks rather than wrap; one still too wide wraps.
func Fit(pdf *fpdf.Fpdf, w, h float64, s string, size, min float64) {
	shaped := Shape(s, false)
	pdf.SetFontSize(size)
	for size > min && pdf.GetStringWidth(shaped) > w-2*pdf.GetCellMargin() {
		size -= 0.5
		pdf.SetFontSize(size)
	}
	MultiLine(pdf, w, h, s)
}
