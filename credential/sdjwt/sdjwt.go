// Package sdjwt issues, presents and verifies Selective Disclosure JWTs
// (RFC 9901) in the SD-JWT VC profile (draft-ietf-oauth-sd-jwt-vc-24, see
// [VCDraft]): ImmunoPass's native credential.
//
// # The credential
//
// The issuer signs a JWT (header "typ": "dc+sd-jwt", ES256, "kid") whose
// payload carries "iss", "iat", optional "exp", "vct" ([VCT]), "cnf.jwk"
// (the holder's key), "status.status_list" {idx, uri} (IETF Token Status
// List) and "_sd_alg": "sha-256". Everything a context may withhold is a
// separate disclosure: the person's given and family names and birth date,
// and each dose as an array element (see [FromRecord]). A presentation is
// the issuer JWT, the disclosures the holder chose, and optionally a
// Key Binding JWT ("typ": "kb+jwt") signed with the holder's key over
// "iat", "aud", "nonce" and "sd_hash".
//
// # What is checked
//
// [Verify] checks the issuer signature with the key trust holds for
// (iss, kid), then every RFC 9901 processing rule: each disclosure's digest
// is computed over the base64url text as received; a digest may appear only
// once in the payload and its disclosures; a disclosure that no digest
// refers to, a claim name "_sd" or "...", a name that collides with a plain
// claim, an object-property disclosure in an array or an array-element
// disclosure in "_sd" are all rejected; "_sd_alg" must be sha-256. Then the
// Key Binding JWT: its signature under cnf.jwk, its sd_hash over the
// presentation as received, its nonce and aud against what the verifier
// expects, and its iat against a freshness window. Then vct, validity times
// and the status list entry.
//
// # Presentation modes
//
//   - static: no KB-JWT (printed cards, verifiers that cannot check
//     binding); reported with the warning "not-holder-bound".
//   - live: a KB-JWT with "aud" [AudLive] and the wallet's own nonce,
//     refreshed every 30 s; accepted within ±[DefaultWindow].
//   - challenge: the verifier shows a [Challenge] (its did:key as aud, a
//     fresh nonce, the claims it asks for); the KB-JWT answers it.
//
// # What is not done here
//
// No I/O. Issuer keys come from a [KeyResolver] and status lists from a
// [StatusSource], both supplied by the caller (credential/trust).
package sdjwt

import (
	"errors"
	"fmt"
	"time"
)

// Versions and fixed names.
const (
	VCDraft = "draft-ietf-oauth-sd-jwt-vc-24"
	// VCT is the one credential type ImmunoPass issues: an immunization
	// record. It never changes; a new layout gets a new version suffix.
	VCT      = "https://immunopass.example/vct/immunization-record/v1"
	TypVC    = "dc+sd-jwt"
	TypKB    = "kb+jwt"
	SDAlg    = "sha-256"
	AudLive  = "urn:immunopass:aud:live"
	SaltSize = 16 // bytes: 128 bits, RFC 9901 §9.3
)

// DefaultWindow is how far a KB-JWT's iat may be from the verifier's clock.
const DefaultWindow = 60 * time.Second

// Limits.
const (
	MaxPresentation = 64 << 10
	MaxDisclosures  = 256
)

// Sentinels callers branch on.
var (
	ErrExpired     = errors.New("expired")
	ErrNotYetValid = errors.New("not yet valid")
	ErrRevoked     = errors.New("revoked")
	ErrSuspended   = errors.New("suspended")
)

// FormatError reports a presentation whose "~" structure, disclosure
// encoding or JWT claims are malformed.
type FormatError struct {
	Part    string
	Problem string
}

func (e *FormatError) Error() string { return fmt.Sprintf("sd-jwt %s: %s", e.Part, e.Problem) }

// DisclosureError reports a disclosure that breaks an RFC 9901 rule.
type DisclosureError struct {
	Disclosure string // the disclosure as received, shortened
	Problem    string
}

func (e *DisclosureError) Error() string {
	if e.Disclosure == "" {
		return "disclosure: " + e.Problem
	}
	d := e.Disclosure
	if len(d) > 24 {
		d = d[:24] + "…"
	}
	return fmt.Sprintf("disclosure %q: %s", d, e.Problem)
}

// TypeError reports a JWT whose typ or vct is not the expected one.
type TypeError struct {
	What, Got, Want string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("%s is %q, want %q", e.What, e.Got, e.Want)
}

// HolderBindingError reports a presentation whose Key Binding JWT is
// missing where required, malformed, signed by another key, bound to other
// disclosures (sd_hash), or not fresh.
type HolderBindingError struct{ Problem string }

func (e *HolderBindingError) Error() string { return "holder binding: " + e.Problem }

// ChallengeError reports a KB-JWT that answers another challenge: its nonce
// or aud is not the verifier's.
type ChallengeError struct {
	Claim     string // "nonce" or "aud"
	Got, Want string
}

func (e *ChallengeError) Error() string {
	return fmt.Sprintf("key binding %s is %q, want %q", e.Claim, e.Got, e.Want)
}

// ClockSkewError reports a KB-JWT whose iat is outside the freshness window;
// Advice says which clock looks wrong.
type ClockSkewError struct {
	IAT, Now time.Time
	Window   time.Duration
	Advice   string
}

func (e *ClockSkewError) Error() string {
	d := e.IAT.Sub(e.Now).Round(time.Second)
	return fmt.Sprintf("holder binding made %s %s this verifier's clock (window ±%s): %s", abs(d), aheadBehind(d), e.Window, e.Advice)
}

// Unwrap makes a stale or future KB-JWT a holder-binding failure too.
func (e *ClockSkewError) Unwrap() error { return &HolderBindingError{Problem: "not fresh"} }

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func aheadBehind(d time.Duration) string {
	if d > 0 {
		return "ahead of"
	}
	return "behind"
}

// ValidityError reports a credential outside its validity window.
type ValidityError struct {
	Err      error // ErrExpired or ErrNotYetValid
	At, When time.Time
}

func (e *ValidityError) Error() string {
	if e.Err == ErrExpired {
		return fmt.Sprintf("expired at %s", e.When.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("not valid before %s", e.When.UTC().Format(time.RFC3339))
}
func (e *ValidityError) Unwrap() error { return e.Err }

// StatusError reports a credential whose status list entry is not valid.
type StatusError struct {
	URI    string
	Index  int
	Status uint8
}

func (e *StatusError) Error() string {
	switch e.Status {
	case 1:
		return fmt.Sprintf("revoked (status list %s index %d)", e.URI, e.Index)
	case 2:
		return fmt.Sprintf("suspended (status list %s index %d)", e.URI, e.Index)
	}
	return fmt.Sprintf("status 0x%02x (status list %s index %d)", e.Status, e.URI, e.Index)
}

func (e *StatusError) Unwrap() error {
	if e.Status == 2 {
		return ErrSuspended
	}
	return ErrRevoked
}

// StatusUnavailableError reports a credential whose status list the
// verifier does not hold: revocation cannot be checked offline.
type StatusUnavailableError struct {
	URI string
	Err error
}

func (e *StatusUnavailableError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("status list %q unusable: %v", e.URI, e.Err)
	}
	return fmt.Sprintf("no status list %q in trust: revocation cannot be checked", e.URI)
}
