package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/internal/bidiorder"
)

// Every label of the verifier app is made here (label, labelStyle) and changed
// here (setLabel), so that its text goes through the Unicode bidirectional
// algorithm exactly once before Fyne draws it. Fyne 2.7 shapes each run of
// one direction correctly (HarfBuzz draws an Arabic word right to left) but
// lays the runs out left to right in logical order: "١٢ أبريل ٢٠١٦" comes out
// as "2016 April 12" to an Arabic reader, and "PDF" or a Latin name inside an
// Arabic sentence lands on the wrong side. visualOrder (internal/bidiorder,
// shared with the wallet) puts the runs in display order (UAX #9 rule L2 over the levels golang.org/x/text computes)
// and leaves the characters inside each run to Fyne's shaper.
// internal/archtest-style enforcement: TestLabelsGoThroughBidi fails when a
// file of this package makes a widget.Label another way.

// label is widget.NewLabel with its text in display order.
func label(s string) *widget.Label { return widget.NewLabel(visualOrder(s)) }

// labelStyle is widget.NewLabelWithStyle with its text in display order.
func labelStyle(s string, align fyne.TextAlign, style fyne.TextStyle) *widget.Label {
	return widget.NewLabelWithStyle(visualOrder(s), align, style)
}

// setLabel is l.SetText with the text in display order.
func setLabel(l *widget.Label, s string) { l.SetText(visualOrder(s)) }

// visualOrder is bidiorder.Visual for this interface's language: see
// internal/bidiorder.
func visualOrder(s string) string { return bidiorder.Visual(s, current == "ar") }

// newButton is widget.NewButton with its label in display order ("فتح
// ملف…" with the ellipsis on the left, where an Arabic reader ends).
func newButton(s string, tapped func()) *widget.Button {
	return widget.NewButton(visualOrder(s), tapped)
}

// newButtonIcon is widget.NewButtonWithIcon with its label in display
// order.
func newButtonIcon(s string, icon fyne.Resource, tapped func()) *widget.Button {
	return widget.NewButtonWithIcon(visualOrder(s), icon, tapped)
}
