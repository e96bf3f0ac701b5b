package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabelsGoThroughBidi: no file but bidi.go makes a label or a button
// with Fyne's constructors directly, so that every label's and button's text
// is put in display order once (use label, labelStyle, setLabel, newButton
// and newButtonIcon).
func TestLabelsGoThroughBidi(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if f == "bidi.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(af, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "widget" {
				switch sel.Sel.Name {
				case "NewLabel", "NewLabelWithStyle", "NewButton", "NewButtonWithIcon":
					t.Errorf("%s: widget.%s: use the helpers of bidi.go, which put the text in display order", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("only %d files checked", checked)
	}
}

// TestButtonsInDisplayOrder: an Arabic button label ending in an ellipsis
// is put in display order (the ellipsis on the left, where an Arabic reader
// ends); an English one is left as it is.
func TestButtonsInDisplayOrder(t *testing.T) {
	defer func(c string) { current = c }(current)
	current = "ar"
	b := newButton("فتح ملف…", nil)
	if b.Text == "فتح ملف…" || !strings.Contains(b.Text, "…") {
		t.Errorf("Arabic label with an ellipsis kept in logical order: %q", b.Text)
	}
	current = "en"
	if b := newButton("Open a file…", nil); b.Text != "Open a file…" {
		t.Errorf("English label changed: %q", b.Text)
	}
}
