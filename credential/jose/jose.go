// Package jose signs and verifies the compact JWS objects that every ImmunoPass
// credential format is built on, and reads and writes the JSON Web Keys that
// issuers publish. JWKs are read and written by this package's own code
// for the one key type it accepts (EC P-256), with jwx as the test oracle
// only: jwx's jwk package brings net/http and crypto/tls along, which the
// verifier's WebAssembly (cmd/verifier-wasm) must not carry.
//
// # What is accepted
//
// Exactly one algorithm: ES256 (ECDSA over P-256 with SHA-256), with the
// signature as the 64-byte R‖S concatenation that RFC 7518 §3.4 requires. The
// algorithm is never taken from the token: [Parse] rejects any header whose
// "alg" is not "ES256" (so "none", HS256 and RS256 are refused before any key
// is looked at), and [Key.Verify] only ever runs ECDSA P-256.
//
// Headers that would let a token choose its own key ("jwk", "jku", "x5u",
// "x5c") are refused, as is "crit", which names extensions this package does
// not implement. A DER-encoded signature, the common mistake of signers that
// hand ASN.1 output straight through, is reported as a [SignatureFormatError],
// distinct from a signature that does not verify ([ErrBadSignature]).
//
// # Keys
//
// Published keys ([ParseJWK], [ParseJWKS]) must be EC P-256 public keys; a
// published key that carries the private "d" member is refused, since a key
// that leaked its secret cannot vouch for anything. A JWKS is read key by key:
// one bad key is reported with its index and does not hide the others.
// Key IDs default to the RFC 7638 thumbprint ([Key.Thumbprint]).
//
// # What is not done here
//
// No I/O: callers hand in bytes. Deciding which key to trust for which issuer
// is the job of credential/trust; this package only checks that a signature is
// the given key's.
package jose

import (
	"errors"
	"fmt"
)

// Alg is the only JWS algorithm ImmunoPass signs with or accepts.
const Alg = "ES256"

// ErrBadSignature reports a well-formed ES256 signature that does not verify
// under the key it was checked with.
var ErrBadSignature = errors.New("signature does not verify")

// EncodingError reports a compact serialization that is not three base64url
// parts, or a part that is not valid unpadded base64url or JSON.
type EncodingError struct {
	Part    string // "header", "payload", "signature" or "jws"
	Problem string
}

func (e *EncodingError) Error() string {
	if e.Part == "jws" || e.Part == "" { // the whole serialization: no "jws jws:"
		return "jws: " + e.Problem
	}
	return fmt.Sprintf("jws %s: %s", e.Part, e.Problem)
}

// HeaderError reports a protected header member that is missing, malformed or
// not allowed, such as an "alg" other than ES256.
type HeaderError struct {
	Member  string
	Value   string
	Problem string
}

func (e *HeaderError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("jws header %q: %s", e.Member, e.Problem)
	}
	return fmt.Sprintf("jws header %q = %q: %s", e.Member, e.Value, e.Problem)
}

// SignatureFormatError reports a signature that is not 64 bytes of R‖S, for
// example a DER-encoded ECDSA signature.
type SignatureFormatError struct {
	Length int
	DER    bool // the bytes look like an ASN.1 DER ECDSA signature
}

func (e *SignatureFormatError) Error() string {
	if e.DER {
		return fmt.Sprintf("signature is %d bytes of DER; ES256 needs 64 bytes of R||S", e.Length)
	}
	return fmt.Sprintf("signature is %d bytes; ES256 needs 64 bytes of R||S", e.Length)
}

// KeyError reports a JSON Web Key that cannot be used: not EC P-256, carrying
// a private part where a public key was expected, malformed coordinates.
type KeyError struct {
	Index   int    // position in a JWKS, or -1 for a lone key
	KID     string // as published, if any
	Problem string
}

func (e *KeyError) Error() string {
	switch {
	case e.Index >= 0 && e.KID != "":
		return fmt.Sprintf("key %d (kid %q): %s", e.Index, e.KID, e.Problem)
	case e.Index >= 0:
		return fmt.Sprintf("key %d: %s", e.Index, e.Problem)
	case e.KID != "":
		return fmt.Sprintf("key %q: %s", e.KID, e.Problem)
	}
	return "key: " + e.Problem
}
