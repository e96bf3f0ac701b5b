package scan

import (
	"strings"
	"unicode/utf8"
)

// A barcode scanner in keyboard mode sends key positions (USB HID usage
// codes), not characters: set to the US layout (the factory default) and
// plugged into a desk whose system layout is French AZERTY or German QWERTZ,
// "shc:/5676" arrives as "shcM!(-è'" or "shcÖ-5676". A Layout knows what each
// US key position types on that desk, so Repair can undo it.

// Layout is a system keyboard layout that scanner input may have been typed
// through.
type Layout struct {
	ID   string // "us", "fr", "de"
	Name string // for settings: "French (AZERTY)"
	// undo maps what the desk typed to what the scanner meant, for the
	// characters of the codes the verifier reads.
	undo map[rune]rune
	// grave: the layout's US "+" key position is a dead grave accent, which
	// composes with the next vowel ("+A" arrives as "À").
	grave bool
}

// The US layout's key positions, row by row, unshifted then shifted: the
// reference the scanner types in.
var usRows = [][2]string{
	{"`1234567890-=", "~!@#$%^&*()_+"},
	{"qwertyuiop[]\\", "QWERTYUIOP{}|"},
	{"asdfghjkl;'", "ASDFGHJKL:\""},
	{"zxcvbnm,./", "ZXCVBNM<>?"},
}

// newLayout builds a Layout from what each US key position types on it, in
// usRows' shape. A position marked '\x00' types nothing usable (a dead key
// or a character outside every code's alphabet).
func newLayout(id, name string, rows [][2]string, grave bool) *Layout {
	l := &Layout{ID: id, Name: name, undo: map[rune]rune{}, grave: grave}
	for i, r := range rows {
		for shift := 0; shift < 2; shift++ {
			us := []rune(usRows[i][shift])
			typed := []rune(r[shift])
			if len(us) != len(typed) {
				panic("scan: layout " + id + " row has the wrong length")
			}
			for k, t := range typed {
				if t == 0 {
					continue
				}
				if _, dup := l.undo[t]; dup {
					panic("scan: layout " + id + " types " + string(t) + " twice")
				}
				l.undo[t] = us[k]
			}
		}
	}
	l.undo[' '] = ' '
	return l
}

// Layouts are the layouts Repair recognises, the identity first.
var Layouts = []*Layout{
	newLayout("us", "US (QWERTY)", usRows, false),
	newLayout("fr", "French (AZERTY)", [][2]string{
		{"\x00&é\"'(-è_çà)=", "\x001234567890°+"},
		{"azertyuiop\x00$*", "AZERTYUIOP\x00£µ"},
		{"qsdfghjklmù", "QSDFGHJKLM%"},
		{"wxcvbn,;:!", "WXCVBN?./§"},
	}, false),
	newLayout("de", "German (QWERTZ)", [][2]string{
		{"\x001234567890ß\x00", "°!\"§$%&/()=?\x00"},
		{"qwertzuiopü+#", "QWERTZUIOPÜ*'"},
		{"asdfghjklöä", "ASDFGHJKLÖÄ"},
		{"yxcvbnm,.-", "YXCVBNM;:_"},
	}, true),
}

// LayoutByID returns the layout with that ID, or nil.
func LayoutByID(id string) *Layout {
	for _, l := range Layouts {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// prefixes are how the codes the verifier reads begin.
var prefixes = []string{"shc:/", "HC1:", "IP1:", "IPC1:"}

// graves are the composed characters a dead grave accent makes of a
// following vowel.
var graves = map[rune]rune{'À': 'A', 'È': 'E', 'Ì': 'I', 'Ò': 'O', 'Ù': 'U', 'à': 'a', 'è': 'e', 'ì': 'i', 'ò': 'o', 'ù': 'u'}

// apply undoes l on s; ok is false when s holds a character l cannot have
// typed from a US key.
func (l *Layout) apply(s string) (string, bool) {
	if l.ID == "us" {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if l.grave {
			if r == '`' {
				b.WriteByte('+')
				continue
			}
			if v, ok := graves[r]; ok {
				b.WriteByte('+')
				r = v
				if m, ok := l.undo[r]; ok {
					b.WriteRune(m)
					continue
				}
				return "", false
			}
		}
		m, ok := l.undo[r]
		if !ok {
			return "", false
		}
		b.WriteRune(m)
	}
	return b.String(), true
}

func hasPrefix(s string) bool {
	for _, p := range prefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

// Repair returns text as the scanner meant it, and the layout it was typed
// through: unchanged ("us") when it already starts like a code the verifier
// reads, else undone through the first layout under which it does. When no
// layout explains it, text comes back unchanged with a nil layout, and the
// verifier will say what is wrong with it.
func Repair(text string) (string, *Layout) {
	text = strings.TrimRight(text, "\r\n")
	if !utf8.ValidString(text) {
		return text, nil
	}
	if hasPrefix(text) {
		return text, Layouts[0]
	}
	for _, l := range Layouts[1:] {
		if out, ok := l.apply(text); ok && hasPrefix(out) {
			return out, l
		}
	}
	return text, nil
}
