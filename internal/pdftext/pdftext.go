// Package pdftext prepares text for a PDF library that draws characters
// one after another, left to right, from a font's character map, with no
// shaping and no bidirectional layout (go-pdf/fpdf): the clinic's and the
// wallet's printouts. Shape gives Arabic letters their contextual forms
// (the Unicode Arabic presentation forms, lam-alef as one ligature) and
// puts every line in display order (UAX #9, the runs internal/bidiorder
// computes, each right-to-left run reversed), so that "أمل حداد" prints
// joined and reading from the right. Register embeds the font (DejaVu
// Sans, assets/fonts) that has all of those forms, Latin accents, Greek,
// Cyrillic and Hebrew.
//
// What it does not do: Arabic marks are kept after their letter and drawn
// with the font's zero advance, without mark positioning; scripts that need
// a real shaper (Indic, Southeast Asian) print unjoined.
package pdftext

import (
	"slices"
	"sync"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"

	"github.com/immunopass/immunopass/assets/fonts"
	"github.com/immunopass/immunopass/internal/bidiorder"
)

// Family is the font family Register adds.
const Family = "sans"

// Register adds the Family font (regular, "B" and "I") to pdf.
func Register(pdf *fpdf.Fpdf) {
	for _, style := range []string{"", "B", "I"} {
		pdf.AddUTF8FontFromBytes(Family, style, fonts.Sans(style))
	}
}

// Shape returns the line s ready to be drawn left to right: Arabic letters
// in their contextual forms, right-to-left runs in display order. The
// paragraph is right to left when rtl, else left to right (the printouts
// are English pages, and pass false). Text without a right-to-left
// character is returned as is.
func Shape(s string, rtl bool) string {
	if !hasRTL(s) {
		return s
	}
	if !rtl {
		// A left-to-right mark first makes the paragraph left to right
		// whatever its first letter; it is dropped from what is drawn
		// (display.Text already removed any the text had).
		s = string(lrm) + s
	}
	runs := bidiorder.Runs(s, rtl)
	if runs == nil {
		runs = []bidiorder.Run{{Text: s, RTL: true}}
	}
	var out []rune
	for _, r := range runs {
		if !r.RTL {
			for _, c := range r.Text {
				if c != lrm {
					out = append(out, c)
				}
			}
			continue
		}
		out = append(out, reverseClusters(joinForms([]rune(r.Text)))...)
	}
	return string(out)
}

func hasRTL(s string) bool {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		if c := p.Class(); c == bidi.R || c == bidi.AL {
			return true
		}
	}
	return false
}

// reverseClusters reverses rs keeping each letter's combining marks after
// it, where a left-to-right drawing puts them on the letter.
func reverseClusters(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for end := len(rs); end > 0; {
		start := end - 1
		for start > 0 && isMark(rs[start]) {
			start--
		}
		out = append(out, rs[start:end]...)
		end = start
	}
	return out
}

func isMark(r rune) bool {
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)
}

// The forms of one letter, from the Unicode presentation forms: isolated,
// final, and for a letter that joins on both sides initial and medial.
type forms struct {
	iso, fin, ini, med rune
}

func (f forms) dual() bool { return f.ini != 0 }

var (
	letters  map[rune]forms // base letter → its forms
	lamAlefs map[rune]forms // alef variant after lam → the ligature's isolated and final forms
)

var tableOnce sync.Once

// The table is read from the compatibility mappings (NFKC) of the
// presentation forms (U+FE80–U+FEFC, then U+FB50–U+FBFF for the letters of
// Persian and Urdu): each letter's forms follow one another in the order
// isolated, final, initial, medial, so a run of two forms is a letter that
// joins only on its right, a run of four one that joins on both sides. A
// letter whose forms the embedded font lacks (in its regular or bold style)
// is left out: it prints as its base letter, unjoined, rather than as a box.
func buildTable() {
	letters = map[rune]forms{}
	lamAlefs = map[rune]forms{}
	var fontHas func(r rune) bool
	{
		var buf sfnt.Buffer
		var faces []*sfnt.Font
		for _, style := range []string{"", "B"} {
			if f, err := sfnt.Parse(fonts.Sans(style)); err == nil {
				faces = append(faces, f)
			}
		}
		fontHas = func(r rune) bool {
			if len(faces) == 0 {
				return false
			}
			for _, f := range faces {
				if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
					return false
				}
			}
			return true
		}
	}
	groups := map[rune][]rune{}
	var order []rune
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			d := []rune(norm.NFKC.String(string(r)))
			switch {
			case len(d) == 1 && d[0] >= 0x0620 && d[0] <= 0x06FF:
				if _, ok := groups[d[0]]; !ok {
					order = append(order, d[0])
				}
				groups[d[0]] = append(groups[d[0]], r)
			case len(d) == 2 && d[0] == 0x0644 && lo == 0xFE80:
				f := lamAlefs[d[1]]
				if f.iso == 0 {
					f.iso = r
				} else {
					f.fin = r
				}
				lamAlefs[d[1]] = f
			}
		}
	}
	add(0xFE80, 0xFEFC)
	add(0xFB50, 0xFBFF)
	for _, base := range order {
		g := groups[base]
		if (len(g) != 2 && len(g) != 4) || slices.ContainsFunc(g, func(r rune) bool { return !fontHas(r) }) {
			continue
		}
		if len(g) == 2 {
			letters[base] = forms{iso: g[0], fin: g[1]}
		} else {
			letters[base] = forms{iso: g[0], fin: g[1], ini: g[2], med: g[3]}
		}
	}
	for alef, f := range lamAlefs {
		if !fontHas(f.iso) || !fontHas(f.fin) {
			delete(lamAlefs, alef)
		}
	}
}

const (
	lrm     = '\u200e'
	tatweel = 0x0640
	zwj     = 0x200D
)

// joinsAfter reports whether r connects to the letter after it.
func joinsAfter(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	f, ok := letters[r]
	return ok && f.dual()
}

// joinsBefore reports whether r connects to the letter before it.
func joinsBefore(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	_, ok := letters[r]
	return ok
}

// joinForms replaces the Arabic letters of a logical-order run by their
// contextual presentation forms (marks between letters do not break a
// join; lam then alef becomes one ligature).
func joinForms(rs []rune) []rune {
	tableOnce.Do(buildTable)
	prev := func(i int) rune { // the letter before rs[i], marks skipped
		for i--; i >= 0; i-- {
			if !isMark(rs[i]) {
				return rs[i]
			}
		}
		return 0
	}
	next := func(i int) (rune, int) {
		for i++; i < len(rs); i++ {
			if !isMark(rs[i]) {
				return rs[i], i
			}
		}
		return 0, -1
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		f, ok := letters[r]
		if !ok {
			out = append(out, r)
			continue
		}
		before := joinsAfter(prev(i))
		n, ni := next(i)
		if r == 0x0644 {
			if lig, ok := lamAlefs[n]; ok {
				if before {
					out = append(out, lig.fin)
				} else {
					out = append(out, lig.iso)
				}
				out = append(out, rs[i+1:ni]...) // the lam's marks
				i = ni
				continue
			}
		}
		after := f.dual() && joinsBefore(n)
		switch {
		case before && after:
			out = append(out, f.med)
		case before:
			out = append(out, f.fin)
		case after:
			out = append(out, f.ini)
		default:
			out = append(out, f.iso)
		}
	}
	return slices.Clip(out)
}
