// Package shc issues, parses and verifies SMART Health Cards
// (https://spec.smarthealth.cards, v1.4 of the framework): a compact ES256
// JWS whose payload is a raw-DEFLATE-compressed JSON Web Token carrying a
// minified FHIR R4 Bundle, printed as a "shc:/" numeric QR code or saved as a
// ".smart-health-card" file.
//
// # What is checked
//
// [Parse] decodes without trusting anything: the JWS must be ES256 with a
// 64-byte R‖S signature and header "zip": "DEF"; the payload must be raw
// DEFLATE (RFC 1951, not zlib), inflate to at most [MaxPayload] bytes, and be
// a JSON object with "iss", a numeric "nbf" (fractional values, as in the
// spec's own examples, are kept exactly), an optional numeric "exp", and
// "vc" with "type" and "credentialSubject.fhirBundle".
//
// [Verify] then checks, in this order: the issuer URL (https, no trailing
// slash, no query), the key, found by (iss, kid) through a [Resolver] and
// never by kid alone, the signature, the credential type, revocation (the
// key's CRL, whose "ctr" must equal the key's "crlVersion"; a "rid" entry
// with a ".timestamp" revokes only cards whose nbf is before it, compared as
// numbers, so 1687450764.657 < 1687450765 is revoked), and the validity
// window. Every failure after the signature is reported, not only the first:
// a card can be revoked and expired at once.
//
// # QR codes
//
// [EncodeQR] and [ParseQR] implement the "shc:/" numeric mode, including the
// deprecated "shc:/C/N/" chunks, which [Assemble] puts back together in any
// order. A single QR holds at most [MaxSingleQRJWS] characters of JWS
// (version 22 at error correction L); longer cards are refused rather than
// printed as codes that phones fail to read.
//
// # What is not done here
//
// No I/O and no trust decisions: which keys and CRLs to believe comes from
// the Resolver, which credential/trust implements over a VCI directory
// snapshot or a registry bundle.
package shc

import (
	"errors"
	"fmt"
	"strings"
)

// Limits.
const (
	// MaxSingleQRJWS is the longest JWS one QR code may carry: 1195
	// characters is 2390 digits plus "shc:/", which fits version 22 at L.
	MaxSingleQRJWS = 1195
	// MaxChunkJWS is the longest JWS part one deprecated chunk may carry.
	MaxChunkJWS = 1191
	// MaxChunks bounds the number of deprecated chunks of one card.
	MaxChunks = 10
	// MaxJWS bounds any JWS this package parses, from a QR or a file.
	MaxJWS = 256 << 10
	// MaxPayload bounds the inflated payload; a DEFLATE bomb stops here.
	MaxPayload = 1 << 20
)

// Credential types.
const (
	TypeHealthCard   = "https://smarthealth.cards#health-card"
	TypeImmunization = "https://smarthealth.cards#immunization"
	FHIRVersion      = "4.0.1"
)

// QRError reports "shc:/" text that is not a valid numeric encoding.
type QRError struct{ Problem string }

func (e *QRError) Error() string { return "shc qr: " + e.Problem }

// ChunkError reports deprecated chunks that cannot be put back together:
// missing, duplicated, inconsistent or oversized.
type ChunkError struct{ Problem string }

func (e *ChunkError) Error() string { return "shc chunks: " + e.Problem }

// TooLargeError reports input beyond one of the package's limits.
type TooLargeError struct {
	What  string
	Size  int
	Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, over the limit of %d", e.What, e.Size, e.Limit)
}

// CompressionError reports a payload that is not raw DEFLATE.
type CompressionError struct{ Problem string }

func (e *CompressionError) Error() string { return "shc payload compression: " + e.Problem }

// PayloadError reports a payload claim that is missing or malformed.
type PayloadError struct {
	Claim   string
	Problem string
}

func (e *PayloadError) Error() string { return fmt.Sprintf("shc payload %q: %s", e.Claim, e.Problem) }

// IssuerURLError reports an "iss" that is not an https URL without trailing
// slash, query or fragment.
type IssuerURLError struct {
	Iss     string
	Problem string
}

func (e *IssuerURLError) Error() string { return fmt.Sprintf("issuer %q: %s", e.Iss, e.Problem) }

// TypeError reports a credential whose vc.type lacks the health-card type.
type TypeError struct{ Types []string }

func (e *TypeError) Error() string {
	return fmt.Sprintf("vc.type %q does not include %q", strings.Join(e.Types, " "), TypeHealthCard)
}

// ErrExpired and ErrNotYetValid are matched with errors.Is by the
// *ValidityError that carries the times.
var (
	ErrExpired     = errors.New("expired")
	ErrNotYetValid = errors.New("not yet valid")
	ErrRevoked     = errors.New("revoked")
)

// ValidityError reports a card outside its validity window at the given
// instant (Unix seconds, fractional).
type ValidityError struct {
	Err error // ErrExpired or ErrNotYetValid
	At  float64
	NBF float64
	Exp float64
}

func (e *ValidityError) Error() string {
	if e.Err == ErrExpired {
		return fmt.Sprintf("expired at %s (checked at %s)", fmtTime(e.Exp), fmtTime(e.At))
	}
	return fmt.Sprintf("not valid before %s (checked at %s)", fmtTime(e.NBF), fmtTime(e.At))
}

func (e *ValidityError) Unwrap() error { return e.Err }

// RevokedError reports a card whose rid is on its key's CRL.
type RevokedError struct {
	RID   string
	Entry string // the CRL entry as published, e.g. "vwAjHdarZuc.1687450765"
}

func (e *RevokedError) Error() string {
	return fmt.Sprintf("revoked: rid %q is on the CRL as %q", e.RID, e.Entry)
}

func (e *RevokedError) Unwrap() error { return ErrRevoked }

// CRLError reports a CRL that cannot be used for the card's key: malformed,
// for another kid, or whose ctr is not the key's crlVersion.
type CRLError struct {
	KID     string
	Problem string
}

func (e *CRLError) Error() string { return fmt.Sprintf("crl for kid %q: %s", e.KID, e.Problem) }
