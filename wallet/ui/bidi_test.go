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

// TestVisualOrder: the labels' helper orders text for the interface's
// language (the cases are internal/bidiorder's TestVisual): an Arabic
// sentence with a Latin word is reordered in the Arabic interface, and an
// English one is not.
func TestVisualOrder(t *testing.T) {
	defer func(c string) { current = c }(current)
	current = "ar"
	if got := strings.ReplaceAll(visualOrder("طباعة PDF"), "\u200e", ""); got != "PDF طباعة" {
		t.Errorf("ar: %q", got)
	}
	current = "en"
	if got := visualOrder("Amira · 2016"); got != "Amira · 2016" {
		t.Errorf("en: %q", got)
	}
}

// TestLabelsGoThroughBidi: no file but bidi.go makes a label with
// widget.NewLabel or widget.NewLabelWithStyle, or a button with
// widget.NewButton or widget.NewButtonWithIcon, so that every label's and
// button's text is put in display order (use label, labelStyle, setLabel,
// newButton and newButtonIcon).
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
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "widget" {
				switch sel.Sel.Name {
				case "NewLabel", "NewLabelWithStyle":
					t.Errorf("%s: widget.%s: use label or labelStyle (bidi.go), which put the text in display order", fset.Position(sel.Pos()), sel.Sel.Name)
				case "NewButton", "NewButtonWithIcon":
					t.Errorf("%s: widget.%s: use newButton or newButtonIcon (bidi.go), which put the label in display order", fset.Position(sel.Pos()), sel.Sel.Name)
				}
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
