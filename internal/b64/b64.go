// Package b64 decodes unpadded base64url strictly: one encoding per byte
// string. encoding/base64's Strict mode still skips '\r' and '\n' anywhere in
// the input, so a token with a line break in it would decode to the same bytes
// as the token without; this package refuses it.
package b64

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Decode decodes s as unpadded base64url (RFC 4648 §5) and refuses padding,
// line breaks, non-zero trailing bits and any character outside the alphabet.
func Decode(s string) ([]byte, error) {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("illegal line break at offset %d", i)
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// Encode encodes b as unpadded base64url.
func Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
