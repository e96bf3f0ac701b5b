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

	"golang.org/x/text/unicode/bidi"
)

// Visual returns s with its directional runs in the order they are
// displayed, left to right. The paragraph is right to left when rtlUI (an
// interface in a right-to-left language), else it takes the direction of
// its first strong character (UAX #9 P2–P3). Text with no right-to-left
// character is returned as is. It is not idempotent: apply it once, to the
// logical text.
func Visual(s string, rtlUI bool) string {
	units := Runs(s, rtlUI)
	if units == nil {
		return s
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
		b.WriteString(u.Text)
	}
	return b.String()
}

// A Run is one piece of a line in display order.
type Run struct {
	// Text is the run's characters. A right-to-left run holds them in
	// logical order, for a shaper to lay out right to left: only letters
	// of right-to-left scripts, their marks and the spaces between them.
	// Any other run holds them in display order, left to right
	// (punctuation between Arabic words already reversed and mirrored).
	Text string
	RTL  bool
}

// Runs splits s into the runs it is displayed as, left to right (UAX #9
// rule L2), with the paragraph direction Visual uses. Every piece of
// neutral punctuation inside right-to-left text (": ", " (", ")") is a run
// of its own: Fyne's segmenter starts a new run where the font changes,
// and the Latin font draws ASCII punctuation while an Arabic font draws the
// words around it, so a run of Arabic words with an ASCII colon or bracket
// inside would be laid out as several runs in logical order. It returns
// nil when s has no right-to-left character, or when s is one
// right-to-left run with nothing to reorder.
func Runs(s string, rtlUI bool) []Run {
	if !hasRTL(s) {
		return nil
	}
	rtl := rtlUI || firstStrongRTL(s)
	var p bidi.Paragraph
	opt := bidi.DefaultDirection(bidi.LeftToRight)
	if rtl {
		opt = bidi.DefaultDirection(bidi.RightToLeft)
	}
	rs := []rune(s)
	text := s
	if resolved := resolveBrackets(rs, rtl); resolved != nil {
		text = string(resolved)
	}
	if _, err := p.SetString(text, opt); err != nil {
		return nil
	}
	o, err := p.Order()
	if err != nil {
		return nil
	}
	type unit struct {
		text  string
		rtl   bool
		level int
	}
	units := make([]unit, o.NumRuns())
	for i := range units {
		r := o.Run(i)
		start, end := r.Pos()
		if start < 0 || end >= len(rs) || start > end {
			return nil
		}
		u := unit{text: string(rs[start : end+1]), rtl: r.Direction() == bidi.RightToLeft}
		switch {
		case u.rtl:
			u.level = 1
		case rtl:
			u.level = 2 // Latin text or numbers inside a right-to-left paragraph
		case i > 0 && units[i-1].rtl && !hasStrongL(u.text) && hasDigit(u.text):
			u.level = 2 // numbers after Arabic in a left-to-right paragraph (W2, I1)
		}
		units[i] = u
	}
	if len(units) == 1 && units[0].rtl && !hasNeutralPiece(units[0].text) {
		return nil // Fyne shapes it right to left as it is
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
	var out []Run
	for _, u := range units {
		if u.rtl {
			out = append(out, rtlPieces(u.text)...)
		} else {
			out = append(out, Run{Text: u.text})
		}
	}
	return out
}

// rtlPieces splits one right-to-left run into its pieces in display
// order: the stretches of strong right-to-left text (with the spaces and
// marks inside them) in logical order, and the neutral pieces between
// and around them (spaces, brackets, punctuation) reversed and mirrored.
func rtlPieces(s string) []Run {
	rs := []rune(s)
	var pieces []Run
	for i := 0; i < len(rs); {
		j := i
		if inWord(rs, i) {
			for j < len(rs) && inWord(rs, j) {
				j++
			}
			pieces = append(pieces, Run{Text: string(rs[i:j]), RTL: true})
		} else {
			for j < len(rs) && !inWord(rs, j) {
				j++
			}
			pieces = append(pieces, Run{Text: mirrorReverse(rs[i:j])})
		}
		i = j
	}
	slices.Reverse(pieces)
	return pieces
}

// inWord reports whether rs[i] belongs to a stretch of right-to-left
// words: a strong character, or a space, mark or joiner with strong
// characters on both sides (marks and joiners only need one before).
func inWord(rs []rune, i int) bool {
	switch class(rs[i]) {
	case bidi.R, bidi.AL, bidi.AN:
		return true
	case bidi.NSM, bidi.BN:
		return i > 0 && inWord(rs, i-1)
	case bidi.WS:
		return strongRTLNear(rs, i, -1) && strongRTLNear(rs, i, 1)
	}
	return false
}

// strongRTLNear reports whether the first character from rs[i] in
// direction step that is not a space, a mark or a joiner is strongly right
// to left.
func strongRTLNear(rs []rune, i, step int) bool {
	for i += step; i >= 0 && i < len(rs); i += step {
		switch class(rs[i]) {
		case bidi.WS, bidi.NSM, bidi.BN:
			continue
		case bidi.R, bidi.AL, bidi.AN:
			return true
		}
		return false
	}
	return false
}

// hasNeutralPiece reports whether a right-to-left run has anything but
// words: punctuation inside or at its edges.
func hasNeutralPiece(s string) bool {
	rs := []rune(s)
	for i := range rs {
		if !inWord(rs, i) {
			return true
		}
	}
	return false
}

// lrm is U+200E LEFT-TO-RIGHT MARK: a strong left-to-right character with
// no glyph (HarfBuzz hides it).
const lrm = '\u200e'

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

func class(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
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

func hasDigit(s string) bool {
	for _, r := range s {
		if c := class(r); c == bidi.EN || c == bidi.AN {
			return true
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
