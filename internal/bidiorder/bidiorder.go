// Package bidiorder puts the directional runs of a line of text in display
// order for a GUI toolkit that shapes each run but lays runs out left to
// right in logical order (Fyne 2.7): "١٢ أبريل ٢٠١٦", or a Latin name inside
// an Arabic sentence, would otherwise read in the wrong order. It applies the
// Unicode bidirectional algorithm (UAX #9 rule L2 over the levels
// golang.org/x/text computes) and leaves the characters inside each run to
// the toolkit's shaper. The wallet's and the verifier app's label helpers
// both use it; it imports no GUI.
package bidiorder

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// Visual returns s with its directional runs in the order they are
// displayed, left to right. The paragraph is right to left when rtlUI (an
// interface in a right-to-left language), else it takes the direction of
// its first strong character (UAX #9 P2–P3). Text with no right-to-left
// character is returned as is. It is not idempotent: apply it once, to the
// logical text.
func Visual(s string, rtlUI bool) string {
	if !hasRTL(s) {
		return s
	}
	rtl := rtlUI || firstStrongRTL(s)
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
