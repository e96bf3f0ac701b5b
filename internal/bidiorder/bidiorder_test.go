package bidiorder

import (
	"strings"
	"testing"
)

// TestVisual: mixed Arabic, Latin and digits come out in display
// order, left to right, each run's characters left for the toolkit's shaper.
func TestVisual(t *testing.T) {
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
		got := Visual(tc.in, tc.lang == "ar")
		if strings.ReplaceAll(got, "\u200e", "") != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q (ignoring U+200E)", tc.lang, tc.in, got, tc.want)
		}
		// Reordered text starts with a left-to-right mark, so that Fyne's
		// own pass (Fyne's) lays it out left to right as given.
		if got != tc.in && !strings.HasPrefix(got, "\u200e") {
			t.Errorf("%s %q: %q does not start with U+200E", tc.lang, tc.in, got)
		}
	}
}
