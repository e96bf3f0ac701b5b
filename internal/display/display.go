// Package display makes untrusted strings safe to show to a person.
//
// A credential's issuer, names, lots, performer and vaccine names, a trust
// list's issuer names and a QR code's text are chosen by whoever made the
// credential. Shown raw, they can drive a terminal (ANSI escapes that erase
// an INVALID verdict and print a fake VALID), break a report's layout
// (newlines, carriage returns), reorder what a reader sees (Unicode bidi
// overrides that reverse a name), or flood a screen (a 1 MB name). Every
// string from a credential or a QR code goes through Text (bounded) or Line
// (unbounded, for a QR payload someone may copy) before it reaches a
// terminal, a screen or a PDF. JSON output is exact data and is not passed
// through here: JSON escaping is already safe.
//
// What the functions do, in order, per rune:
//   - invalid UTF-8 bytes become U+FFFD;
//   - C0 controls, DEL and C1 controls become visible escapes: "\n", "\r",
//     "\t", "\x1b", "\x00", "\u009b";
//   - bidi embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) and the line and paragraph separators U+2028/U+2029
//     become visible escapes ("\u202e"), so tampering shows;
//   - the invisible direction marks U+200E, U+200F and U+061C are dropped
//     (a display layer that needs marks, such as the wallet's Arabic
//     ordering, adds its own after sanitising);
//   - Text keeps at most its bound of runes, escapes counted as shown, and
//     ends a cut string with "…".
package display

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Max is the number of runes Text keeps: longer than any genuine name,
// issuer, lot or vaccine name, short enough that a hostile one cannot push
// the verdict off the screen.
const Max = 200

// Ellipsis ends a string that was cut.
const Ellipsis = "…"

// Text returns s safe to show, at most Max runes.
func Text(s string) string { return Clip(s, Max) }

// Line returns s safe to show on one line, with no length bound: for text
// a person may copy (a QR code's payload), where cutting would lose data.
func Line(s string) string { return Clip(s, -1) }

// Clip returns s safe to show, at most max runes (escapes count as the
// runes they show; the ellipsis counts as one). max < 0 means no bound;
// max 0 returns "".
func Clip(s string, max int) string {
	if max == 0 {
		return ""
	}
	if safe(s) && (max < 0 || utf8.RuneCountInString(s) <= max) {
		return s
	}
	var b strings.Builder
	n, keep := 0, 0 // runes written; bytes of b that leave room for the ellipsis
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		tok := token(r, size)
		k := utf8.RuneCountInString(tok)
		if max >= 0 && n+k > max {
			// The rest does not fit: cut back to leave the last place for
			// the ellipsis, never inside an escape.
			return b.String()[:keep] + Ellipsis
		}
		b.WriteString(tok)
		n += k
		if max < 0 || n <= max-1 {
			keep = b.Len()
		}
	}
	return b.String()
}

// safe reports whether s is valid UTF-8 with nothing to escape or drop.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			goto slow
		}
	}
	return true
slow:
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if tok := token(r, size); tok != string(r) {
			return false
		}
	}
	return true
}

// token is what rune r (decoded from size bytes) is shown as; "" drops it.
func token(r rune, size int) string {
	switch {
	case r == utf8.RuneError && size == 1:
		return "\uFFFD"
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r >= 0x80 && r <= 0x9f:
		return fmt.Sprintf(`\u%04x`, r)
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return fmt.Sprintf(`\u%04x`, r)
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return ""
	}
	return string(r)
}

// Clean reports whether s would be shown unchanged: valid UTF-8 with no
// control, bidi control or direction mark. Tests of every output path use
// it to check what a person sees.
func Clean(s string) bool { return safe(s) }
