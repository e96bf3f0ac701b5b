package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// heading is a screen title.
func heading(s string) *widget.Label {
	l := labelStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// subheading titles a part of a screen.
func subheading(s string) *widget.Label {
	l := labelStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// para is a wrapped paragraph.
func para(s string) *widget.Label {
	l := label(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}
