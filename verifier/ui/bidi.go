// Copied from wallet/ui/bidi.go (2026-12-07) and unchanged but for this note:
// wallet/ui is being edited in parallel, so the two copies should move into one
// Fyne-free package in a later change.

package ui

import (
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/unicode/bidi"
)

// Every label of the verifier app is made here (label, labelStyle) and changed
// here (setLabel), so that its text goes through the Unicode bidirectional
// algorithm exactly once before Fyne draws it. Fyne 2.7 shapes each run of
// one direction correctly (HarfBuzz draws an Arabic word right to left) but
// lays the runs out left to right in logical order: "١٢ أبريل ٢٠١٦" comes out
// as "2016 April 12" to an Arabic reader, and "PDF" or a Latin name inside an
// Arabic sentence lands on the wrong side. visualOrder puts the runs in
// display order (UAX #9 rule L2 over the levels golang.org/x/text computes)
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

// visualOrder returns s with its directional runs in the order they are
// displayed, left to right. The paragraph is right to left in the Arabic
// interface, else it takes the direction of its first strong character
// (UAX #9 P2–P3). Text with no right-to-left character is returned as is.
// It is not idempotent: apply it once, to the logical text.
func visualOrder(s string) string {
	if !hasRTL(s) {
		return s
	}
	rtl := current == "ar" || firstStrongRTL(s)
	var p bidi.Paragraph
	opt := bidi.DefaultDirection(bidi.LeftToRight)
	if rtl {
		opt = bidi.DefaultDirection(bidi.RightToLeft)
	}
	if _, err := p.SetString(s, opt); err != nil {
		return s
	}
	o, err := p.Order()
	if err != nil || o.NumRuns() < 2 && !rtlEdges(o) {
		return s
	}
	type unit struct {
		text  string
		rtl   bool
		level int
	}
	units := make([]unit, o.NumRuns())
	for i := range units {
		r := o.Run(i)
		u := unit{text: r.String(), rtl: r.Direction() == bidi.RightToLeft}
		switch {
		case u.rtl:
			u.level = 1
		case rtl:
			u.level = 2 // Latin text or numbers inside a right-to-left paragraph
		case i > 0 && units[i-1].rtl && !hasStrongL(u.text):
			u.level = 2 // numbers after Arabic in a left-to-right paragraph (W2, I1)
		}
		units[i] = u
	}
	// L2: reverse every maximal sequence of units at level 1 or more (the
	// units at level 2 are single runs, whose characters stay in order).
	for i := 0; i < len(units); {
		if units[i].level == 0 {
			i++
			continue
		}
		j := i
		for j < len(units) && units[j].level > 0 {
			j++
		}
		slices.Reverse(units[i:j])
		i = j
	}
	// Fyne runs the algorithm again on what it is given, with the
	// paragraph direction of its first strong character, and lays the
	// runs it finds out in that (logical) order. A left-to-right mark
	// (U+200E, invisible) first and between the units makes that second
	// pass see a left-to-right paragraph whose runs are exactly these
	// units: the neutrals between them stay where they are put, and Arabic
	// digits next to Arabic words do not pull spaces into a word's run.
	var b strings.Builder
	for _, u := range units {
		b.WriteRune(lrm)
		if u.rtl {
			b.WriteString(rtlRun(u.text))
		} else {
			b.WriteString(u.text)
		}
	}
	return b.String()
}

// lrm is U+200E LEFT-TO-RIGHT MARK: a strong left-to-right character with
// no glyph (HarfBuzz hides it).
const lrm = '\u200e'

// rtlRun prepares one right-to-left run for Fyne, which shapes its strong
// core right to left but would lay the neutral characters at its edges
// (spaces, brackets, punctuation) out as left-to-right text: those are put
// in display order here, mirrored, on the other side.
func rtlRun(s string) string {
	rs := []rune(s)
	i, j := 0, len(rs)
	for i < j && !isStrong(rs[i]) {
		i++
	}
	for j > i && !isStrong(rs[j-1]) {
		j--
	}
	if i == j { // no strong character: all of it in display order
		return mirrorReverse(rs)
	}
	return mirrorReverse(rs[j:]) + string(rs[i:j]) + mirrorReverse(rs[:i])
}

var mirrors = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹'}

func mirrorReverse(rs []rune) string {
	out := make([]rune, len(rs))
	for k, r := range rs {
		if m, ok := mirrors[r]; ok {
			r = m
		}
		out[len(rs)-1-k] = r
	}
	return string(out)
}

func rtlEdges(o bidi.Ordering) bool {
	if o.NumRuns() != 1 {
		return false
	}
	r := o.Run(0)
	if r.Direction() != bidi.RightToLeft {
		return false
	}
	s := r.String()
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return !isStrong(first) || !isStrong(last)
}

func class(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func isStrong(r rune) bool {
	switch class(r) {
	case bidi.L, bidi.R, bidi.AL, bidi.EN, bidi.AN:
		return true
	}
	return false
}

func hasRTL(s string) bool {
	for _, r := range s {
		if r >= 0x0590 {
			if c := class(r); c == bidi.R || c == bidi.AL {
				return true
			}
		}
	}
	return false
}

func hasStrongL(s string) bool {
	for _, r := range s {
		if class(r) == bidi.L {
			return true
		}
	}
	return false
}

func firstStrongRTL(s string) bool {
	for _, r := range s {
		switch class(r) {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}
