package shc

import (
	"fmt"
	"strconv"
	"strings"
)

const qrPrefix = "shc:/"

// Chunk is one "shc:/" QR text, decoded. A card that fits one QR is chunk 1
// of 1.
type Chunk struct {
	Index, Total int
	JWS          string // this chunk's part of the JWS
}

// EncodeQR returns the "shc:/" numeric text of a JWS that fits one QR code.
func EncodeQR(jws string) (string, error) {
	if len(jws) > MaxSingleQRJWS {
		return "", &TooLargeError{What: "jws for one qr code", Size: len(jws), Limit: MaxSingleQRJWS}
	}
	digits, err := encodeDigits(jws)
	if err != nil {
		return "", err
	}
	return qrPrefix + digits, nil
}

// EncodeChunks splits a JWS into the deprecated "shc:/C/N/" chunks of
// balanced size. Cards that fit one QR come back as a single unchunked text.
func EncodeChunks(jws string) ([]string, error) {
	if len(jws) <= MaxSingleQRJWS {
		s, err := EncodeQR(jws)
		return []string{s}, err
	}
	n := (len(jws) + MaxChunkJWS - 1) / MaxChunkJWS
	if n > MaxChunks {
		return nil, &TooLargeError{What: "jws", Size: len(jws), Limit: MaxChunks * MaxChunkJWS}
	}
	size := (len(jws) + n - 1) / n
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		part := jws[i*size : min((i+1)*size, len(jws))]
		digits, err := encodeDigits(part)
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s%d/%d/%s", qrPrefix, i+1, n, digits))
	}
	return out, nil
}

func encodeDigits(s string) (string, error) {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		c := int(s[i]) - 45
		if c < 0 || c > 77 {
			return "", &QRError{Problem: fmt.Sprintf("character %q at %d cannot be encoded", s[i], i)}
		}
		b.WriteByte(byte('0' + c/10))
		b.WriteByte(byte('0' + c%10))
	}
	return b.String(), nil
}

// ParseQR decodes one "shc:/" text (surrounding white space is ignored; the
// "shc:/" prefix is matched case-insensitively, as QR scanners may upper-case
// it). It does not check that the JWS inside is well formed.
func ParseQR(text string) (*Chunk, error) {
	text = strings.TrimSpace(text)
	if len(text) < len(qrPrefix) || !strings.EqualFold(text[:len(qrPrefix)], qrPrefix) {
		return nil, &QRError{Problem: "text does not start with \"shc:/\""}
	}
	rest := text[len(qrPrefix):]
	c := &Chunk{Index: 1, Total: 1}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) != 3 {
			return nil, &ChunkError{Problem: fmt.Sprintf("chunk header %q is not C/N/", truncate(rest, 16))}
		}
		idx, err1 := strconv.Atoi(parts[0])
		tot, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || !isDigits(parts[0]) || !isDigits(parts[1]) {
			return nil, &ChunkError{Problem: fmt.Sprintf("chunk header %q is not C/N/", parts[0]+"/"+parts[1]+"/")}
		}
		if tot < 1 || idx < 1 || idx > tot {
			return nil, &ChunkError{Problem: fmt.Sprintf("chunk %d of %d is out of range", idx, tot)}
		}
		if tot == 1 {
			return nil, &ChunkError{Problem: "chunk header 1/1: a card in one QR code carries no chunk header"}
		}
		if tot > MaxChunks {
			return nil, &ChunkError{Problem: fmt.Sprintf("%d chunks, over the limit of %d", tot, MaxChunks)}
		}
		c.Index, c.Total = idx, tot
		rest = parts[2]
	}
	if len(rest) == 0 {
		return nil, &QRError{Problem: "no digits after the prefix"}
	}
	if len(rest)%2 != 0 {
		return nil, &QRError{Problem: fmt.Sprintf("odd number of digits (%d)", len(rest))}
	}
	limit := MaxSingleQRJWS
	if c.Total > 1 {
		limit = MaxChunkJWS
	}
	if len(rest)/2 > limit {
		if c.Total > 1 {
			return nil, &ChunkError{Problem: fmt.Sprintf("chunk %d carries %d characters, over the limit of %d", c.Index, len(rest)/2, limit)}
		}
		return nil, &TooLargeError{What: "jws in one qr code", Size: len(rest) / 2, Limit: limit}
	}
	out := make([]byte, len(rest)/2)
	for i := 0; i < len(rest); i += 2 {
		a, b := rest[i], rest[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return nil, &QRError{Problem: fmt.Sprintf("non-digit %q at position %d", truncate(rest[i:], 2), i)}
		}
		v := int(a-'0')*10 + int(b-'0')
		if v > 77 {
			return nil, &QRError{Problem: fmt.Sprintf("digit pair %02d at position %d is over 77", v, i)}
		}
		out[i/2] = byte(v + 45)
	}
	c.JWS = string(out)
	return c, nil
}

// Assemble joins the chunks of one card, given in any order. Every index
// from 1 to N must be present exactly once, and all chunks must agree on N.
func Assemble(chunks []*Chunk) (string, error) {
	if len(chunks) == 0 {
		return "", &ChunkError{Problem: "no chunks"}
	}
	n := chunks[0].Total
	parts := make([]string, n)
	for _, c := range chunks {
		if c.Total != n {
			return "", &ChunkError{Problem: fmt.Sprintf("chunks disagree on the total: %d and %d", n, c.Total)}
		}
		if c.Index < 1 || c.Index > n {
			return "", &ChunkError{Problem: fmt.Sprintf("chunk %d of %d is out of range", c.Index, n)}
		}
		if parts[c.Index-1] != "" {
			return "", &ChunkError{Problem: fmt.Sprintf("chunk %d of %d appears twice", c.Index, n)}
		}
		parts[c.Index-1] = c.JWS
	}
	var missing []string
	for i, p := range parts {
		if p == "" {
			missing = append(missing, strconv.Itoa(i+1))
		}
	}
	if len(missing) > 0 {
		return "", &ChunkError{Problem: fmt.Sprintf("missing chunk %s of %d", strings.Join(missing, ", "), n)}
	}
	return strings.Join(parts, ""), nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
