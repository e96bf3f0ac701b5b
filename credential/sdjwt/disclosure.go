package sdjwt

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/immunopass/immunopass/internal/b64"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// Disclosure is one decoded disclosure.
type Disclosure struct {
	// Raw is the base64url text as received: the digest is computed over it.
	Raw   string
	Salt  string
	Name  string // "" for an array element
	Value any    // a strictjson tree
	// Element reports a two-element (array element) disclosure.
	Element bool
}

// Digest returns base64url(SHA-256(Raw)).
func (d *Disclosure) Digest() string { return Digest(d.Raw) }

// Digest returns the sha-256 digest of a disclosure's base64url text.
func Digest(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// ParseDisclosure decodes a disclosure strictly: unpadded base64url of a
// JSON array of two (salt, value) or three (salt, name, value) elements,
// salt and name strings, name neither "_sd" nor "...".
func ParseDisclosure(raw string) (*Disclosure, error) {
	fail := func(p string) error { return &DisclosureError{Disclosure: raw, Problem: p} }
	if raw == "" {
		return nil, fail("empty")
	}
	b, err := b64.Decode(raw)
	if err != nil {
		return nil, fail("not unpadded base64url")
	}
	// Parsed without boxing; only the claim value becomes an `any` tree.
	arr, err := strictjson.ParseDoc(b, strictjson.MaxDepth)
	if err != nil {
		return nil, fail(err.Error())
	}
	if arr.Kind() != strictjson.Array || arr.Len() < 2 || arr.Len() > 3 {
		return nil, fail("not a JSON array of 2 or 3 elements")
	}
	salt := arr.First()
	second := salt.Next()
	d := &Disclosure{Raw: raw}
	var ok bool
	if d.Salt, ok = salt.Str(); !ok || d.Salt == "" {
		return nil, fail("salt is not a non-empty string")
	}
	if arr.Len() == 2 {
		d.Element, d.Value = true, second.Any()
		return d, nil
	}
	if d.Name, ok = second.Str(); !ok {
		return nil, fail("claim name is not a string")
	}
	if d.Name == "_sd" || d.Name == "..." || d.Name == "_sd_alg" {
		return nil, fail(fmt.Sprintf("reserved claim name %q", d.Name))
	}
	d.Value = second.Next().Any()
	return d, nil
}

// NewDisclosure makes a disclosure with a fresh 128-bit salt. An empty name
// makes an array-element disclosure. value must marshal to JSON.
func NewDisclosure(name string, value any) (*Disclosure, error) {
	salt := make([]byte, SaltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	s := base64.RawURLEncoding.EncodeToString(salt)
	var arr []any
	if name == "" {
		arr = []any{s, value}
	} else {
		if name == "_sd" || name == "..." || name == "_sd_alg" {
			return nil, &DisclosureError{Problem: fmt.Sprintf("reserved claim name %q", name)}
		}
		arr = []any{s, name, value}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(arr); err != nil {
		return nil, err
	}
	raw := base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return ParseDisclosure(raw)
}

// Presentation is an SD-JWT split at its "~" separators.
type Presentation struct {
	IssuerJWT   string
	Disclosures []string
	KBJWT       string // "" when there is none
}

// Split parses the compact form "<JWT>~<D1>~…~<Dn>~[<KB-JWT>]" strictly:
// the issuer JWT and every disclosure non-empty, and the string ends in "~"
// exactly when there is no KB-JWT.
func Split(s string) (*Presentation, error) {
	if len(s) > MaxPresentation {
		return nil, &FormatError{Part: "presentation", Problem: fmt.Sprintf("%d bytes, over the limit of %d", len(s), MaxPresentation)}
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, &FormatError{Part: "presentation", Problem: "no \"~\": not an SD-JWT"}
	}
	if len(parts)-2 > MaxDisclosures {
		return nil, &FormatError{Part: "presentation", Problem: fmt.Sprintf("%d disclosures, over the limit of %d", len(parts)-2, MaxDisclosures)}
	}
	p := &Presentation{IssuerJWT: parts[0], KBJWT: parts[len(parts)-1]}
	if p.IssuerJWT == "" {
		return nil, &FormatError{Part: "issuer jwt", Problem: "empty"}
	}
	for i, d := range parts[1 : len(parts)-1] {
		if d == "" {
			return nil, &FormatError{Part: "disclosures", Problem: fmt.Sprintf("disclosure %d is empty (\"~~\")", i+1)}
		}
		p.Disclosures = append(p.Disclosures, d)
	}
	return p, nil
}

// String joins the presentation back into its compact form.
func (p *Presentation) String() string { return p.SDHashInput() + p.KBJWT }

// SDHashInput is what a KB-JWT's sd_hash covers: everything before it,
// trailing "~" included.
func (p *Presentation) SDHashInput() string {
	n := len(p.IssuerJWT) + 1
	for _, d := range p.Disclosures {
		n += len(d) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(p.IssuerJWT)
	b.WriteByte('~')
	for _, d := range p.Disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	return b.String()
}
