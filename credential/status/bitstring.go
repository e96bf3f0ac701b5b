package status

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/multiformats/go-multibase"
)

// W3C names.
const (
	// CredentialType is the "typ" of a VC-JWT (VC-JOSE-COSE, VC 2.0).
	CredentialType = "vc+jwt"
	// VCContext is the VC 2.0 base context, which must come first.
	VCContext = "https://www.w3.org/ns/credentials/v2"
	// PurposeRevocation and PurposeSuspension are the statusPurpose values
	// this package produces.
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
	// MinBitstringBytes is the W3C minimum for an uncompressed bitstring.
	MinBitstringBytes = MinSize / 8
)

// BitstringCredential is a parsed W3C BitstringStatusListCredential secured
// as a VC-JWT. ParseBitstringCredential does not verify it: Status answers
// only after Verify.
type BitstringCredential struct {
	// Raw is the compact JWS as received.
	Raw string
	// KID is the "kid" header.
	KID string
	// ID is the credential's "id", the URL a credential's
	// statusListCredential names; empty if absent.
	ID string
	// Issuer is "issuer" (a URL, or the "id" of an issuer object).
	Issuer string
	// ValidFrom and ValidUntil are zero when absent.
	ValidFrom, ValidUntil time.Time
	// SubjectID is credentialSubject.id; empty if absent.
	SubjectID string
	// Purposes are the statusPurpose values, at least one.
	Purposes []string
	// TTL is credentialSubject.ttl (milliseconds on the wire); zero when
	// absent, in which case the specification says to use 5 minutes.
	TTL time.Duration

	jws      *jose.JWS
	bits     []byte // MSB first: entry 0 is bit 7 of byte 0
	verified bool
}

// HasPurpose reports whether the list is for purpose.
func (c *BitstringCredential) HasPurpose(purpose string) bool {
	return slices.Contains(c.Purposes, purpose)
}

// Len returns the number of 1-bit entries.
func (c *BitstringCredential) Len() int { return len(c.bits) * 8 }

// Verify checks the credential's ES256 signature with k.
func (c *BitstringCredential) Verify(k *jose.Key) error {
	if err := c.jws.Verify(k); err != nil {
		return err
	}
	c.verified = true
	return nil
}

// Status returns bit idx of the list: 1 means the credential at idx has the
// list's purpose (is revoked, or suspended), 0 means it has not. It returns
// ErrNotVerified before a successful Verify.
func (c *BitstringCredential) Status(idx int) (uint8, error) {
	if !c.verified {
		return 0, ErrNotVerified
	}
	if idx < 0 || idx >= c.Len() {
		return 0, &IndexError{Index: idx, Len: c.Len()}
	}
	return c.bits[idx/8] >> (7 - idx%8) & 1, nil
}

// bitstring returns the list's 1-bit W3C bitstring for purpose (see the
// package documentation for the mapping).
func (l *List) bitstring(purpose string) ([]byte, error) {
	var set func(v uint8) bool
	switch purpose {
	case PurposeRevocation:
		set = func(v uint8) bool { return v != Valid && v != Suspended }
	case PurposeSuspension:
		set = func(v uint8) bool { return v == Suspended }
	default:
		return nil, &ClaimError{Claim: "credentialSubject.statusPurpose", Problem: fmt.Sprintf("%q: only %q and %q are produced", purpose, PurposeRevocation, PurposeSuspension)}
	}
	if l.size < MinSize {
		return nil, &SizeError{Bits: l.bits, Size: l.size, Problem: fmt.Sprintf("a W3C bitstring needs at least %d entries", MinSize)}
	}
	out := make([]byte, l.size/8)
	if l.bits == 1 && purpose == PurposeRevocation {
		for i, b := range l.data { // reverse each byte: LSB-first to MSB-first
			out[i] = reverse8(b)
		}
		return out, nil
	}
	for i := range l.size {
		if set(l.get(i)) {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out, nil
}

func reverse8(b byte) byte {
	b = b>>4 | b<<4
	b = b>>2&0x33 | b<<2&0xCC
	return b>>1&0x55 | b<<1&0xAA
}

// EncodeBitstring returns the W3C "encodedList" of a 1-bit MSB-first
// bitstring: GZIP at the best level, multibase base64url ('u').
func EncodeBitstring(bits []byte) string {
	s, err := multibase.Encode(multibase.Base64url, deflate("gzip", bits))
	if err != nil {
		panic("status: multibase base64url: " + err.Error())
	}
	return s
}

// DecodeBitstring decodes a W3C "encodedList" into the bitstring (MSB first).
// It must be multibase base64url ('u', canonical, no padding), one GZIP
// member, and inflate to between 16 KiB and MaxListBytes.
func DecodeBitstring(encodedList string) ([]byte, error) {
	if !strings.HasPrefix(encodedList, "u") {
		return nil, &EncodingError{Field: "encodedList", Problem: "not multibase base64url: want the prefix 'u'"}
	}
	if _, err := decodeB64("encodedList", encodedList[1:]); err != nil {
		return nil, err // canonical form and length checked here
	}
	enc, z, err := multibase.Decode(encodedList)
	if err != nil || enc != multibase.Base64url {
		return nil, &EncodingError{Field: "encodedList", Problem: fmt.Sprintf("not multibase base64url: %v", err)}
	}
	bits, err := inflate("gzip", z)
	if err != nil {
		return nil, err
	}
	if len(bits) < MinBitstringBytes {
		return nil, &ClaimError{Claim: "credentialSubject.encodedList", Problem: fmt.Sprintf("%d bytes uncompressed, fewer than the %d (131,072 entries) the W3C specification requires", len(bits), MinBitstringBytes)}
	}
	return bits, nil
}

// BitstringCredential signs the list's W3C form for one purpose
// ("revocation" or "suspension") as a VC-JWT: a VC 2.0
// BitstringStatusListCredential with the given id (the URL it is published
// at), issuer and validFrom, and credentialSubject.id = id + "#list".
func (l *List) BitstringCredential(key *jose.PrivateKey, id, purpose, issuer string, validFrom time.Time) (string, error) {
	if key == nil {
		return "", errors.New("status: no signing key")
	}
	if err := checkURI("id", id); err != nil {
		return "", err
	}
	if err := checkURI("issuer", issuer); err != nil {
		return "", err
	}
	if validFrom.IsZero() {
		return "", &ClaimError{Claim: "validFrom", Problem: "missing"}
	}
	bits, err := l.bitstring(purpose)
	if err != nil {
		return "", err
	}
	type subject struct {
		ID            string `json:"id"`
		Type          string `json:"type"`
		StatusPurpose string `json:"statusPurpose"`
		EncodedList   string `json:"encodedList"`
	}
	vc := struct {
		Context           []string `json:"@context"`
		ID                string   `json:"id"`
		Type              []string `json:"type"`
		Issuer            string   `json:"issuer"`
		ValidFrom         string   `json:"validFrom"`
		CredentialSubject subject  `json:"credentialSubject"`
	}{
		Context:   []string{VCContext},
		ID:        id,
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    issuer,
		ValidFrom: validFrom.UTC().Format(time.RFC3339),
		CredentialSubject: subject{
			ID: id + "#list", Type: "BitstringStatusList", StatusPurpose: purpose,
			EncodedList: EncodeBitstring(bits),
		},
	}
	body, err := json.Marshal(vc)
	if err != nil {
		return "", err
	}
	return key.Sign(jose.Header{Typ: CredentialType}, body)
}

// ParseBitstringCredential parses a BitstringStatusListCredential VC-JWT and
// decodes its bitstring, checking everything but the signature: ES256,
// "typ": "vc+jwt", the VC 2.0 context first, "type" holding
// VerifiableCredential and BitstringStatusListCredential, an issuer, RFC 3339
// validity dates in order, and a credentialSubject of type
// BitstringStatusList with one or more statusPurpose strings and an
// encodedList as DecodeBitstring requires.
func ParseBitstringCredential(compact string) (*BitstringCredential, error) {
	if len(compact) > MaxTokenLen {
		return nil, &jose.EncodingError{Part: "jws", Problem: fmt.Sprintf("%d bytes, more than %d", len(compact), MaxTokenLen)}
	}
	j, err := jose.Parse(compact)
	if err != nil {
		return nil, err
	}
	if j.Header.Typ != CredentialType {
		return nil, &TypeError{Typ: j.Header.Typ, Want: CredentialType}
	}
	if _, ok := j.Members["zip"]; ok {
		return nil, &jose.HeaderError{Member: "zip", Value: j.Header.Zip, Problem: "not allowed in a VC-JWT"}
	}
	vc, err := strictjson.ParseObject(j.Payload, 32)
	if err != nil {
		return nil, &ClaimError{Claim: "(payload)", Problem: err.Error()}
	}
	c := &BitstringCredential{Raw: compact, KID: j.Header.Kid, jws: j}

	ctx, _ := vc.Get("@context")
	ctxs, _ := ctx.([]any)
	if len(ctxs) == 0 || ctxs[0] != VCContext {
		return nil, &ClaimError{Claim: "@context", Problem: fmt.Sprintf("must be an array starting with %q", VCContext)}
	}
	types, err := stringsOf(vc, "type", "type")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(types, "VerifiableCredential") || !slices.Contains(types, "BitstringStatusListCredential") {
		return nil, &ClaimError{Claim: "type", Problem: fmt.Sprintf("%q: must include VerifiableCredential and BitstringStatusListCredential", types)}
	}
	if c.ID, err = stringClaim(vc, "id", false); err != nil {
		return nil, err
	}
	if c.ID != "" {
		if err := checkURI("id", c.ID); err != nil {
			return nil, err
		}
	}
	switch iss, _ := vc.Get("issuer"); iss := iss.(type) {
	case string:
		c.Issuer = iss
	case strictjson.Object:
		if c.Issuer, err = stringClaim(iss, "id", true); err != nil {
			return nil, &ClaimError{Claim: "issuer.id", Problem: err.(*ClaimError).Problem}
		}
	case nil:
		return nil, &ClaimError{Claim: "issuer", Problem: "missing"}
	default:
		return nil, &ClaimError{Claim: "issuer", Problem: "neither a URL nor an object with an id"}
	}
	if err := checkURI("issuer", c.Issuer); err != nil {
		return nil, err
	}
	if c.ValidFrom, err = dateTime(vc, "validFrom"); err != nil {
		return nil, err
	}
	if c.ValidUntil, err = dateTime(vc, "validUntil"); err != nil {
		return nil, err
	}
	if !c.ValidFrom.IsZero() && !c.ValidUntil.IsZero() && c.ValidUntil.Before(c.ValidFrom) {
		return nil, &ClaimError{Claim: "validUntil", Problem: "before validFrom"}
	}

	csv, _ := vc.Get("credentialSubject")
	cs, ok := csv.(strictjson.Object)
	if !ok {
		return nil, &ClaimError{Claim: "credentialSubject", Problem: "missing or not a single JSON object"}
	}
	st, err := stringsOf(cs, "type", "credentialSubject.type")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(st, "BitstringStatusList") {
		return nil, &ClaimError{Claim: "credentialSubject.type", Problem: fmt.Sprintf("%q: must be BitstringStatusList", st)}
	}
	if c.SubjectID, err = stringClaim(cs, "id", false); err != nil {
		return nil, &ClaimError{Claim: "credentialSubject.id", Problem: "not a string"}
	}
	if c.Purposes, err = stringsOf(cs, "statusPurpose", "credentialSubject.statusPurpose"); err != nil {
		return nil, err
	}
	if slices.Contains(c.Purposes, "") {
		return nil, &ClaimError{Claim: "credentialSubject.statusPurpose", Problem: "empty string"}
	}
	if tv, ok := cs.Get("ttl"); ok {
		n, _ := tv.(json.Number)
		ms, err := n.Float64()
		if err != nil || !(ms > 0) || ms > float64(maxTTL/time.Millisecond) {
			return nil, &ClaimError{Claim: "credentialSubject.ttl", Problem: fmt.Sprintf("%v: must be a positive number of milliseconds", tv)}
		}
		c.TTL = time.Duration(ms * float64(time.Millisecond))
	}
	el, err := stringClaim(cs, "encodedList", true)
	if err != nil {
		return nil, &ClaimError{Claim: "credentialSubject.encodedList", Problem: err.(*ClaimError).Problem}
	}
	if c.bits, err = DecodeBitstring(el); err != nil {
		return nil, err
	}
	return c, nil
}

// stringsOf reads a member that is a string or a non-empty array of strings.
func stringsOf(o strictjson.Object, name, claim string) ([]string, error) {
	v, ok := o.Get(name)
	if !ok {
		return nil, &ClaimError{Claim: claim, Problem: "missing"}
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, &ClaimError{Claim: claim, Problem: "empty array"}
		}
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, &ClaimError{Claim: claim, Problem: fmt.Sprintf("element %d is not a string", i)}
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, &ClaimError{Claim: claim, Problem: "neither a string nor an array of strings"}
}

// dateTime reads an optional XML Schema dateTimeStamp (RFC 3339 with a zone).
func dateTime(o strictjson.Object, name string) (time.Time, error) {
	v, ok := o.Get(name)
	if !ok {
		return time.Time{}, nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &ClaimError{Claim: name, Problem: "not a string"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &ClaimError{Claim: name, Problem: fmt.Sprintf("%q is not an RFC 3339 date-time with a zone", s)}
	}
	return t, nil
}
