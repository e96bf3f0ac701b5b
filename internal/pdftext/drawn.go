package pdftext

import "unicode/utf16"

// Drawn returns the text of the literal strings "(…)" in a PDF page's
// content stream (inflated), in order, each decoded as UTF-16BE: the
// character codes Register's font is written with (go-pdf/fpdf's UTF-8
// fonts: Identity-H, a code per UTF-16 unit). Tests use it to read back
// what a printout draws; a string of odd length, which that font cannot
// have drawn, is skipped.
func Drawn(content []byte) []string {
	var out []string
	for _, s := range literals(content) {
		if len(s)%2 != 0 {
			continue
		}
		u := make([]uint16, len(s)/2)
		for i := range u {
			u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
		}
		out = append(out, string(utf16.Decode(u)))
	}
	return out
}

// literals returns the PDF literal strings of b, unescaped (ISO 32000-1
// 7.3.4.2: balanced parentheses, backslash escapes, octal codes); an
// unterminated one at the end is returned as far as it goes.
func literals(b []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); i++ {
		if b[i] != '(' {
			continue
		}
		var s []byte
		depth := 1
		for i++; i < len(b); i++ {
			c := b[i]
			if c == '\\' {
				if i+1 >= len(b) {
					break
				}
				i++
				switch e := b[i]; {
				case e == 'n':
					s = append(s, '\n')
				case e == 'r':
					s = append(s, '\r')
				case e == 't':
					s = append(s, '\t')
				case e == 'b':
					s = append(s, '\b')
				case e == 'f':
					s = append(s, '\f')
				case e >= '0' && e <= '7':
					v := 0
					for k := 0; k < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
						v = v*8 + int(b[i]-'0')
						i++
					}
					i--
					s = append(s, byte(v))
				case e == '\n' || e == '\r': // a line continuation
				default:
					s = append(s, e)
				}
				continue
			}
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
			s = append(s, c)
		}
		out = append(out, s)
	}
	return out
}
