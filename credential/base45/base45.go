// Package base45 implements the Base45 encoding of RFC 9285, whose alphabet
// is exactly QR code's alphanumeric mode: data in it fills a QR symbol at
// 5.5 bits a character, against 8 for byte mode. EU Digital COVID
// Certificates (HC1:) use it, and so do ImmunoPass's compact presentations.
//
// Decoding is strict: characters outside the alphabet, a dangling single
// character, and triples or pairs whose value overflows are errors, so that
// every byte string has exactly one encoding.
package base45

import (
	"fmt"
	"strings"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var values [256]int8

func init() {
	for i := range values {
		values[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		values[alphabet[i]] = int8(i)
	}
}

// Error reports input that is not canonical Base45.
type Error struct {
	Offset  int
	Problem string
}

func (e *Error) Error() string { return fmt.Sprintf("base45 at offset %d: %s", e.Offset, e.Problem) }

// EncodedLen is the length of the encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	var b strings.Builder
	b.Grow(EncodedLen(len(src)))
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		b.WriteByte(alphabet[n%45])
		b.WriteByte(alphabet[n/45%45])
		b.WriteByte(alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		b.WriteByte(alphabet[n%45])
		b.WriteByte(alphabet[n/45])
	}
	return b.String()
}

// Decode decodes canonical Base45.
func Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, &Error{Offset: len(s) - 1, Problem: "a single character left over"}
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		var v [3]int
		k := min(3, len(s)-i)
		for j := 0; j < k; j++ {
			d := values[s[i+j]]
			if d < 0 {
				return nil, &Error{Offset: i + j, Problem: fmt.Sprintf("character %q is not in the alphabet", s[i+j])}
			}
			v[j] = int(d)
		}
		if k == 3 {
			n := v[0] + v[1]*45 + v[2]*2025
			if n > 0xffff {
				return nil, &Error{Offset: i, Problem: "triple is over 65535"}
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			n := v[0] + v[1]*45
			if n > 0xff {
				return nil, &Error{Offset: i, Problem: "pair is over 255"}
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}
