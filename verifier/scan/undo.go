package scan

import (
	"strings"
	"unicode/utf8"
)

// Undo returns text as a US-layout scanner meant it when the desk's layout
// is known to be l (the operator fixed it in the settings instead of
// letting Repair recognise it). ok is false when text holds a character l
// cannot have typed from a US key position; text then comes back as it
// was.
func (l *Layout) Undo(text string) (string, bool) {
	text = strings.TrimRight(text, "\r\n")
	if !utf8.ValidString(text) {
		return text, false
	}
	out, ok := l.apply(text)
	if !ok {
		return text, false
	}
	return out, true
}
