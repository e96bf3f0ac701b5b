package pdftext

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"

	"github.com/immunopass/immunopass/assets/fonts"
)

// TestShape: Arabic letters take their contextual forms (the code points
// of the Unicode Arabic Presentation Forms-B chart, written out by hand)
// and right-to-left runs come out in display order; Latin text with
// accents is left as it is.
func TestShape(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rtl  bool
		want string
	}{
		{"Zoë Müller-Lefèvre", false, "Zoë Müller-Lefèvre"},
		// أمل: alef-hamza isolated (it never joins forward), meem
		// initial, lam final; حداد: hah initial, dal final, alef and dal
		// isolated. Drawn left to right: the last letter first.
		{"أمل حداد", false, "\uFEA9\uFE8D\uFEAA\uFEA3 \uFEDE\uFEE3\uFE83"},
		// The name inside an English line: the Arabic run reversed in
		// place, the Latin text after it.
		{"أمل حداد   born 2016-04-12", false, "\uFEA9\uFE8D\uFEAA\uFEA3 \uFEDE\uFEE3\uFE83   born 2016-04-12"},
		{"Issued by أمل on 2026-12-07", false, "Issued by \uFEDE\uFEE3\uFE83 on 2026-12-07"},
		{"Issued to أمل (2 doses)", false, "Issued to \uFEDE\uFEE3\uFE83 (2 doses)"},
		{"6 doses. أمل ·", false, "6 doses. \uFEDE\uFEE3\uFE83 ·"},
		// Lam then alef is one ligature: سلام = seen initial, lam-alef
		// final, meem isolated.
		{"سلام", false, "\uFEE1\uFEFC\uFEB3"},
		// A mark stays after its letter: مُنى = meem initial + damma,
		// noon medial, alef maksura final.
		{"مُنى", false, "\uFEF0\uFEE8\uFEE3\u064F"},
		// Persian peh (Presentation Forms-A): پدر = peh initial, dal
		// final, reh isolated.
		{"پدر", false, "\uFEAD\uFEAA\uFB58"},
		// Urdu heh goal: the font has no presentation forms for it, so it
		// prints as its letter, unjoined, not as a box: ہم = heh goal,
		// meem isolated (nothing joins it).
		{"ہم", false, "\uFEE1\u06C1"},
		// Arabic punctuation between Arabic words, in a right-to-left
		// paragraph: the words swap sides, the colon with them.
		{"اسم: أمل", true, "\uFEDE\uFEE3\uFE83 :\uFEE2\uFEB3\uFE8D"},
	} {
		if got := Shape(tc.in, tc.rtl); got != tc.want {
			t.Errorf("Shape(%q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
}

// TestFontHasForms: every presentation form Shape can produce, and the
// letters of the other scripts the font is kept for, have a glyph in each
// embedded style that prints them (a missing one would print as a box).
func TestFontHasForms(t *testing.T) {
	tableOnce.Do(buildTable)
	var arabic []rune
	for _, f := range letters {
		arabic = append(arabic, f.iso, f.fin)
		if f.dual() {
			arabic = append(arabic, f.ini, f.med)
		}
	}
	for _, f := range lamAlefs {
		arabic = append(arabic, f.iso, f.fin)
	}
	if len(letters) < 40 || len(lamAlefs) != 4 {
		t.Fatalf("%d letters and %d lam-alef ligatures in the joining table", len(letters), len(lamAlefs))
	}
	latin := []rune("Zoë Müller-Lefèvre ÇŒœĞİŞ Ωω Жж שלום ·…–")
	var buf sfnt.Buffer
	for _, style := range []string{"", "B", "I"} {
		f, err := sfnt.Parse(fonts.Sans(style))
		if err != nil {
			t.Fatal(err)
		}
		want := latin
		if style != "I" { // DejaVu has no oblique Arabic: the printers' italics are English
			want = append(slices.Clone(latin), arabic...)
		}
		for _, r := range want {
			if r == ' ' {
				continue
			}
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("style %q: %U %c has no glyph", style, r, r)
			}
		}
	}
	// And the check can fail: a CJK letter is not in the subset.
	f, _ := sfnt.Parse(fonts.Sans(""))
	if g, _ := f.GlyphIndex(&buf, '中'); g != 0 {
		t.Error("the subset has U+4E2D: the glyph check proves nothing")
	}
}

// TestRegisterOutput: a page in the embedded font with Arabic and accented
// text is written without error.
func TestRegisterOutput(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	Register(pdf)
	pdf.AddPage()
	pdf.SetFont(Family, "B", 12)
	pdf.Cell(100, 10, Shape("أمل حداد · Zoë Müller-Lefèvre", false))
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
}

func FuzzShape(f *testing.F) {
	for _, s := range []string{"أمل حداد", "سلام", "مُنى (Mona): ١٢", "Zoë", "لا", "ل\u064Fا", "\u0640\u200D"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, rtl bool) {
		if !utf8.ValidString(s) {
			return
		}
		got := Shape(s, rtl)
		if n, m := utf8.RuneCountInString(got), utf8.RuneCountInString(s); n > m {
			t.Errorf("Shape(%q) = %q: %d runes from %d", s, got, n, m)
		}
		lines := Wrap(s, 5, func(s string) float64 { return float64(utf8.RuneCountInString(s)) })
		if a, b := strings.Join(strings.Fields(s), ""), strings.Join(lines, ""); strings.Join(strings.Fields(b), "") != a {
			t.Errorf("Wrap(%q) = %q: text lost or added", s, lines)
		}
	})
}

// TestDrawn: literal strings with escapes and nested parentheses decode;
// what is not UTF-16BE text is skipped.
func TestDrawn(t *testing.T) {
	content := []byte("BT /F1 9 Tf (\\000Z\\000o\\000\\353) Tj (\\376\\211\\000 \\000\\050\\000\\051) Tj (odd) Tj (\x00a\\\n\x00b) Tj ET")
	got := Drawn(content)
	want := []string{"Zoë", "\uFE89 ()", "ab"}
	if len(got) != len(want) {
		t.Fatalf("Drawn = %+q, want %+q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Drawn[%d] = %+q, want %+q", i, got[i], want[i])
		}
	}
}

func FuzzDrawn(f *testing.F) {
	f.Add([]byte("(\\000Z\\000o) Tj ((a)(b)) (\\"))
	f.Add([]byte("(\\0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range Drawn(b) {
			if len(s) > 3*len(b) {
				t.Fatalf("%d bytes of text from %d", len(s), len(b))
			}
		}
	})
}

// TestWrap: lines break at spaces in logical order, before shaping, so an
// Arabic phrase that spans two lines keeps its first words on the first
// line; a word too long alone is cut.
func TestWrap(t *testing.T) {
	runes := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, tc := range []struct {
		in   string
		max  float64
		want []string
	}{
		{"6 doses. Scan the code to verify.", 12, []string{"6 doses.", "Scan the", "code to", "verify."}},
		{"مستشفى النور الجامعي للأطفال · Al Noor", 20, []string{"مستشفى النور الجامعي", "للأطفال · Al Noor"}},
		{"Müller-Lefèvre-Dubois", 8, []string{"Müller-L", "efèvre-D", "ubois"}},
		{"a\nb", 10, []string{"a", "b"}},
		{"", 10, []string{""}},
	} {
		got := Wrap(tc.in, tc.max, runes)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Wrap(%q, %v) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
