package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// TestVisualOrder: mixed Arabic, Latin and digits come out in display
// order, left to right, each run's characters left for Fyne's shaper.
func TestVisualOrder(t *testing.T) {
	defer func(c string) { current = c }(current)
	for _, tc := range []struct {
		lang, in, want string
	}{
		// Nothing right to left: unchanged.
		{"en", "born 12 Apr 2016", "born 12 Apr 2016"},
		{"ar", "PDF", "PDF"},
		{"en", "", ""},
		// One Arabic run: unchanged (Fyne shapes it right to left).
		{"en", "أمينة حداد", "أمينة حداد"},
		{"ar", "سجل التطعيم", "سجل التطعيم"},
		// An Arabic date: day, month, year read from the right.
		{"ar", "١٢ أبريل ٢٠١٦", "٢٠١٦ أبريل ١٢"},
		// UAX #9 W2: digits after Arabic letters are Arabic numbers, and
		// "-" does not join those: an ISO date reads from the right too
		// (as in browsers), one reason the screens write dates in words.
		{"ar", "ولد في 2016-04-12", "12-04-2016 ولد في"},
		// "PDF" and a Latin name inside Arabic sentences.
		{"ar", "طباعة PDF", "PDF طباعة"},
		{"ar", "Amira Haddad · ولدت ١٢ أبريل ٢٠١٦", "٢٠١٦ أبريل ١٢ ولدت · Amira Haddad"},
		{"ar", "تم الاحتفاظ.", ".تم الاحتفاظ"},
		// An Arabic name in an English sentence, then numbers after it.
		{"en", "Amira · أمينة 2016", "Amira · 2016 أمينة"},
		{"en", "Suggested: أمينة حداد (same name).", "Suggested: أمينة حداد (same name)."},
		{"en", "أمينة (Amira)", "(Amira) أمينة"},
		// Brackets at the edge of an Arabic run are mirrored.
		{"ar", "(جرعتان)", "(جرعتان)"},
		{"ar", "القيد 3 (شاهدان)", "(شاهدان) 3 القيد"},
	} {
		current = tc.lang
		got := visualOrder(tc.in)
		if strings.ReplaceAll(got, "\u200e", "") != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q (ignoring U+200E)", tc.lang, tc.in, got, tc.want)
		}
		// Reordered text starts with a left-to-right mark, so that Fyne's
		// own pass lays it out left to right as given.
		if got != tc.in && !strings.HasPrefix(got, "\u200e") {
			t.Errorf("%s %q: %q does not start with U+200E", tc.lang, tc.in, got)
		}
	}
}

// TestLabelsGoThroughBidi: no file but bidi.go makes a label with
// widget.NewLabel or widget.NewLabelWithStyle, so that every label's text
// is put in display order (use label, labelStyle and setLabel).
func TestLabelsGoThroughBidi(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if f == "bidi.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "widget" && (sel.Sel.Name == "NewLabel" || sel.Sel.Name == "NewLabelWithStyle") {
				t.Errorf("%s: widget.%s: use label or labelStyle (bidi.go), which put the text in display order", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// TestVisualOrderRendered draws through Fyne's own text painter: the Latin
// word of an Arabic sentence ends up at the left edge, where an Arabic
// reader finishes the line, and not where Fyne alone puts it.
func TestVisualOrderRendered(t *testing.T) {
	test.NewTempApp(t)
	defer func(c string) { current = c }(current)
	current = "ar"
	draw := func(s string) image.Image {
		txt := canvas.NewText(s, color.Black)
		txt.TextSize = 30
		w := test.NewWindow(txt)
		defer w.Close()
		w.Resize(fyne.NewSize(500, 60))
		return w.Canvas().Capture()
	}
	// The same pixels in the first width columns.
	sameLeft := func(a, b image.Image, width int) bool {
		for x := 0; x < width; x++ {
			for y := 0; y < a.Bounds().Dy(); y++ {
				r1, g1, b1, _ := a.At(x, y).RGBA()
				r2, g2, b2, _ := b.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 {
					return false
				}
			}
		}
		return true
	}
	latin := draw("PDF")
	width := int(fyne.MeasureText("PDF", 30, fyne.TextStyle{}).Width) - 2
	logical := "طباعة PDF" // "print PDF": PDF is read last, at the left
	if !sameLeft(draw(visualOrder(logical)), latin, width) {
		t.Error("with visualOrder, PDF is not at the left edge")
	}
	if sameLeft(draw(logical), latin, width) {
		t.Error("Fyne alone already puts PDF at the left: this test proves nothing")
	}
}
