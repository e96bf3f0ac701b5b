package bidiorder

import "golang.org/x/text/unicode/bidi"

// golang.org/x/text's Paragraph never pairs brackets (it compares an
// opening bracket with its closing one as they are, "(" with ")", where
// UAX #9 BD16 compares canonical pairs), so rule N0 is never applied: the
// brackets of "(PEM أو DER)" in an Arabic sentence, or of "Amira (Amira)"
// after Latin text, are resolved as plain neutrals and land on the wrong
// side. resolveBrackets applies BD16 and N0 itself; Runs then gives
// x/text the text with each resolved bracket replaced by an invisible
// strong character of its direction (U+200E or U+200F, one rune for one,
// so that positions hold) and takes the characters back from s.

// pairs maps each closing bracket (Bidi_Paired_Bracket_Type=Close) used
// in the apps' languages to its opening one.
var pairs = map[rune]rune{')': '(', ']': '[', '}': '{', '⁆': '⁅', '〉': '〈', '⟩': '⟨', '｝': '｛', '）': '（', '］': '［'}

var openers = func() map[rune]bool {
	m := map[rune]bool{}
	for _, o := range pairs {
		m[o] = true
	}
	return m
}()

// resolveBrackets returns rs with every bracket that N0 resolves replaced
// by U+200E (left to right) or U+200F (right to left), or nil when no
// bracket is resolved. rtl is the paragraph direction. The text has no
// explicit embeddings (display.Text makes them visible), so the paragraph
// is one isolating run sequence at level 0 or 1.
func resolveBrackets(rs []rune, rtl bool) []rune {
	// BD16: pair the brackets, with a stack of at most 63 openers.
	type pair struct{ open, close int }
	var found []pair
	var stack []int
	for i, r := range rs {
		switch {
		case openers[r]:
			if len(stack) == 63 {
				return nil // BD16: stop processing the paragraph's brackets
			}
			stack = append(stack, i)
		case pairs[r] != 0:
			for k := len(stack) - 1; k >= 0; k-- {
				if rs[stack[k]] == pairs[r] {
					found = append(found, pair{stack[k], i})
					stack = stack[:k]
					break
				}
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	// Sort by opening position (insertion sort: a handful of pairs).
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && found[j].open < found[j-1].open; j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	// The strong direction each character counts as in N0, after W1–W7:
	// L, or R for R, AL, AN and EN (an EN whose preceding strong letter is
	// L, or the start of a left-to-right paragraph, is L by W7).
	const none, l, r = 0, 1, 2
	embed := byte(l)
	if rtl {
		embed = r
	}
	dir := make([]byte, len(rs))
	last := embed // sos
	for i, c := range rs {
		switch class(c) {
		case bidi.L:
			dir[i], last = l, l
		case bidi.R, bidi.AL:
			dir[i], last = r, r
		case bidi.AN:
			dir[i] = r
		case bidi.EN:
			dir[i] = last
		}
	}
	out := append([]rune(nil), rs...)
	changed := false
	for _, p := range found {
		var inside [3]bool
		for i := p.open + 1; i < p.close; i++ {
			inside[dir[i]] = true
		}
		var d byte
		switch {
		case inside[embed]:
			d = embed // N0 b
		case inside[l] || inside[r]: // N0 c: only the opposite direction inside
			opposite := byte(l + r - embed)
			before := embed
			for i := p.open - 1; i >= 0; i-- {
				if dir[i] != none {
					before = dir[i]
					break
				}
			}
			d = embed
			if before == opposite {
				d = opposite
			}
		default:
			continue // N0 d: no strong type inside
		}
		dir[p.open], dir[p.close] = d, d
		mark := '\u200e'
		if d == r {
			mark = '\u200f'
		}
		out[p.open], out[p.close] = mark, mark
		changed = true
	}
	if !changed {
		return nil
	}
	return out
}
