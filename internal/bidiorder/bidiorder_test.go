package bidiorder

import (
	"strings"
	"testing"
	"unicode/utf8"
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
		// ASCII punctuation inside Arabic text: Fyne draws it in its Latin
		// font and would cut the Arabic run there, laying the pieces out
		// left to right in logical order (the verifier's Settings showed
		// "وضع الكشك" on the left of the sentence it begins). Every piece
		// is a unit of its own, in UAX #9 display order.
		{"ar", "وضع الكشك: الإعدادات والثقة تتطلبان عبارة مرور المشرف", "الإعدادات والثقة تتطلبان عبارة مرور المشرف :وضع الكشك"},
		{"ar", "غير مستوفاة: الحصبة", "الحصبة :غير مستوفاة"},
		{"ar", "غير مستوفاة:", ":غير مستوفاة"},
		{"ar", "مقفل (وضع الكشك)", "(وضع الكشك) مقفل"},
		{"ar", "عدّ عمليات التحقق يوميًا (أرقام فقط: بلا أسماء ولا رموز)", "(بلا أسماء ولا رموز :أرقام فقط) عدّ عمليات التحقق يوميًا"},
		{"ar", "الفرنسي (AZERTY)", "(AZERTY) الفرنسي"},
		{"ar", "تخطيط لوحة مفاتيح الماسح: US (مكتشف)", "(مكتشف) US :تخطيط لوحة مفاتيح الماسح"},
		{"ar", "محدّثة بالفعل (الإصدار 7).", ".(7 الإصدار) محدّثة بالفعل"},
		// Brackets take the direction of what they enclose and what
		// precedes them (UAX #9 N0), which x/text's Paragraph never
		// applies: Latin in brackets after Latin stays with it, Latin and
		// Arabic mixed in brackets in an Arabic sentence are one Arabic
		// group, digits and Latin in brackets after an Arabic name in an
		// English sentence stay on the Latin side.
		{"ar", "المقترح: Amira Haddad (Amira).", ".Amira Haddad (Amira) :المقترح"},
		{"ar", "شهادات EU DCC (PEM أو DER)، أو قائمة.", ".أو قائمة ،(DER أو PEM) EU DCC شهادات"},
		{"en", "Issued to أمل (2 doses)", "Issued to أمل (2 doses)"},
		{"en", "Issued to أمل (٢)", "Issued to (٢) أمل"},
		// Punctuation after an Arabic run at the end of an English line
		// stays at the end (N2: the paragraph's direction).
		{"en", "6 doses. مستشفى النور ·", "6 doses. مستشفى النور ·"},
		{"en", "Issued by مستشفى النور.", "Issued by مستشفى النور."},
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

// TestRunsWordsOnly: a right-to-left run holds only right-to-left words,
// the spaces between them and their marks, never punctuation a toolkit
// would draw in another font; nothing is lost or added.
func TestRunsWordsOnly(t *testing.T) {
	for _, s := range []string{
		"وضع الكشك: الإعدادات والثقة",
		"عدّ عمليات التحقق يوميًا (أرقام فقط: بلا أسماء ولا رموز)",
		"هذه الحزمة (الإصدار 4) أقدم من المستخدمة (الإصدار 5): أُبقي على المستخدمة.",
		"Suggested: أمينة حداد (same name).",
	} {
		checkRuns(t, s, true)
		checkRuns(t, s, false)
	}
}

func checkRuns(t *testing.T, s string, rtl bool) {
	t.Helper()
	n := 0
	for _, r := range Runs(s, rtl) {
		n += len([]rune(r.Text))
		if !r.RTL {
			continue
		}
		if strings.ContainsAny(r.Text, ":().,;!?[]") || strings.TrimSpace(r.Text) != r.Text {
			t.Errorf("%q: right-to-left run %q holds punctuation or edge spaces", s, r.Text)
		}
	}
	if n != 0 && n != len([]rune(s)) {
		t.Errorf("%q: runs hold %d characters, want %d", s, n, len([]rune(s)))
	}
}

func FuzzRuns(f *testing.F) {
	for _, s := range []string{"وضع الكشك: الإعدادات", "(جرعتان)", "Amira · أمينة 2016", "ولد في 2016-04-12", "\u200f)(", ""} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, rtl bool) {
		if !utf8.ValidString(s) {
			return
		}
		checkRuns(t, s, rtl)
		Visual(s, rtl)
	})
}
