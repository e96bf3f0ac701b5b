package vc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/ld"
)

// DILimits bound the JSON-LD work on one Data Integrity credential.
var DILimits = ld.Limits{MaxBytes: 64 << 10, MaxDepth: 16, MaxValues: 5_000, MaxQuads: 2_000, MaxBlankNodes: 500, MaxHashNDeg: 200, DropUndefined: true}

// DIProof is a Data Integrity proof of the two RDFC cryptosuites
// (W3C VC DI EdDSA eddsa-rdfc-2022, VC DI ECDSA ecdsa-rdfc-2019 on P-256),
// an Ed25519Signature2020 proof (the same hash data; Cryptosuite is then
// "Ed25519Signature2020"), or a JsonWebSignature2020 proof (Cryptosuite
// "JsonWebSignature2020": a detached JWS over the JWS header and the two
// hashes, see [ld.JWSProof]; Alg is its header's alg).
type DIProof struct {
	Cryptosuite, VerificationMethod, ProofPurpose, Created string
	Alg                                                    string // JsonWebSignature2020 only
	Signature                                              []byte
	hashData                                               []byte // for JsonWebSignature2020, the JWS signing input
	quads                                                  []ld.Quad
}

// AlgError reports a JsonWebSignature2020 proof whose JWS alg is not the
// one the issuer's key type fixes (EdDSA for Ed25519, ES256 for P-256,
// PS256 for RSA):
// the token's alg never chooses how a key is used.
type AlgError struct{ Alg, Want, Key string }

func (e *AlgError) Error() string {
	return fmt.Sprintf("JsonWebSignature2020 proof: the JWS header says alg %q, the issuer's %s key signs only with %s", e.Alg, e.Key, e.Want)
}

// parseJWS2020 reads a credential secured with a JsonWebSignature2020
// proof: the proof options (the proof without jws) are canonicalised under
// the document's own @context, as the JWS 2020 suite and ld-signatures
// sign them (the GDHCN trust list's proof is the same suite).
func parseJWS2020(doc map[string]any) (*Credential, *DIProof, error) {
	jp, err := ld.ParseJWSProof(doc, DILimits, nil)
	if err != nil {
		return nil, nil, err
	}
	if jp.ProofPurpose != "assertionMethod" {
		return nil, nil, &FormatError{Problem: fmt.Sprintf("proofPurpose %q, want assertionMethod", jp.ProofPurpose)}
	}
	if jp.VerificationMethod == "" {
		return nil, nil, &FormatError{Problem: "JsonWebSignature2020 proof without a verificationMethod"}
	}
	body := make(map[string]any, len(doc))
	for k, x := range doc {
		if k != "proof" {
			body[k] = x
		}
	}
	c, err := contentOf(body)
	if err != nil {
		return nil, nil, err
	}
	c.Form = "vc-di"
	c.doc = body
	p := &DIProof{Cryptosuite: "JsonWebSignature2020", VerificationMethod: jp.VerificationMethod, ProofPurpose: jp.ProofPurpose,
		Created: jp.Created, Alg: jp.Alg, Signature: jp.Signature, hashData: jp.SigningInput, quads: jp.Quads}
	return c, p, nil
}

// KeyTypeError reports an issuer key of the wrong type for the proof's
// cryptosuite (which fixes it: Ed25519 for eddsa-rdfc-2022, P-256 for
// ecdsa-rdfc-2019).
type KeyTypeError struct{ Suite, Got string }

func (e *KeyTypeError) Error() string {
	return fmt.Sprintf("data integrity proof: %s cannot use the issuer's %s key", e.Suite, e.Got)
}

// ErrDISignature is returned when a Data Integrity signature does not
// verify.
var ErrDISignature = errors.New("data integrity proof: the signature does not verify (the credential was changed after signing, or signed by another key)")

// ParseDI reads a credential secured with a Data Integrity proof (JSON):
// its vaccination content (as ParseJWT does for JOSE) and its proof, with
// the hash data the signature covers: SHA-256(RDFC-1.0(proof config under
// the document's @context)) ‖ SHA-256(RDFC-1.0(document without proof)).
// It does not verify.
func ParseDI(data []byte) (*Credential, *DIProof, error) {
	v, err := ld.Parse(data, DILimits)
	if err != nil {
		return nil, nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, nil, &FormatError{Problem: "not a JSON object"}
	}
	pr, ok := doc["proof"].(map[string]any)
	if !ok {
		return nil, nil, &FormatError{Problem: "no proof, or a proof set (one DataIntegrityProof is accepted)"}
	}
	if pr["type"] == "JsonWebSignature2020" {
		return parseJWS2020(doc)
	}
	p := &DIProof{}
	for k, dst := range map[string]*string{"cryptosuite": &p.Cryptosuite, "verificationMethod": &p.VerificationMethod, "proofPurpose": &p.ProofPurpose, "created": &p.Created} {
		*dst, _ = pr[k].(string)
	}
	switch {
	case pr["type"] == "Ed25519Signature2020" && p.Cryptosuite == "":
		// The older suite signs the same hash data as eddsa-rdfc-2022.
		p.Cryptosuite = "Ed25519Signature2020"
	case pr["type"] != "DataIntegrityProof" || (p.Cryptosuite != "eddsa-rdfc-2022" && p.Cryptosuite != "ecdsa-rdfc-2019"):
		return nil, nil, &FormatError{Problem: fmt.Sprintf("proof %v/%q: only DataIntegrityProof with eddsa-rdfc-2022 or ecdsa-rdfc-2019, Ed25519Signature2020 or JsonWebSignature2020", pr["type"], p.Cryptosuite)}
	}
	if p.ProofPurpose != "assertionMethod" {
		return nil, nil, &FormatError{Problem: fmt.Sprintf("proofPurpose %q, want assertionMethod", p.ProofPurpose)}
	}
	pv, _ := pr["proofValue"].(string)
	enc, sig, err := multibase.Decode(pv)
	if err != nil || enc != multibase.Base58BTC {
		return nil, nil, &FormatError{Problem: "proofValue is not multibase base58btc"}
	}
	p.Signature = sig
	// The credential content, with the JOSE 2.0 rules (issuer, validFrom…).
	body := make(map[string]any, len(doc))
	for k, x := range doc {
		if k != "proof" {
			body[k] = x
		}
	}
	c, err := contentOf(body)
	if err != nil {
		return nil, nil, err
	}
	cfg := make(map[string]any, len(pr))
	for k, x := range pr {
		if k != "proofValue" {
			cfg[k] = x
		}
	}
	cfg["@context"] = doc["@context"]
	start := time.Now()
	cq, err := canonical(cfg, start)
	if err != nil {
		return nil, nil, err
	}
	dq, err := canonical(body, start)
	if err != nil {
		return nil, nil, err
	}
	h1, h2 := sha256.Sum256(ld.NQuads(cq)), sha256.Sum256(ld.NQuads(dq))
	p.hashData = slices.Concat(h1[:], h2[:])
	p.quads = dq
	c.Form = "vc-di"
	c.doc = body
	return c, p, nil
}

func canonical(doc map[string]any, start time.Time) ([]ld.Quad, error) {
	q, err := ld.ToRDF(doc, DILimits)
	if err != nil {
		return nil, err
	}
	return ld.CanonicalQuads(q, DILimits, start)
}

// contentOf maps a credential document as VC 2.0 JOSE payloads are.
func contentOf(doc map[string]any) (*Credential, error) {
	b, err := jsonMarshal(doc)
	if err != nil {
		return nil, &FormatError{Problem: err.Error()}
	}
	return ParseJWT("vc+jwt", b)
}

// DIKey returns the public key a did:key verification method names:
// Ed25519 (z6Mk…) or P-256 (zDn…).
func DIKey(vm string) (any, error) {
	did, _, _ := strings.Cut(vm, "#")
	if strings.HasPrefix(did, "did:key:zDn") {
		k, err := jose.ParseDIDKey(did)
		if err != nil {
			return nil, err
		}
		return k.PublicKey(), nil
	}
	rest, ok := strings.CutPrefix(did, "did:key:")
	if !ok {
		return nil, fmt.Errorf("verificationMethod %q is not a did:key", vm)
	}
	_, b, err := multibase.Decode(rest)
	if err != nil || len(b) != 34 || b[0] != 0xed || b[1] != 0x01 {
		return nil, fmt.Errorf("verificationMethod %q is not an Ed25519 or P-256 did:key", vm)
	}
	return ed25519.PublicKey(b[2:]), nil
}

// Verify checks the proof with pub, whose type the cryptosuite fixes
// (Ed25519 for eddsa-rdfc-2022, P-256 for ecdsa-rdfc-2019), then that the
// shown data is signed.
func (p *DIProof) Verify(c *Credential, pub any) error {
	ok := false
	switch p.Cryptosuite {
	case "eddsa-rdfc-2022", "Ed25519Signature2020":
		k, isEd := pub.(ed25519.PublicKey)
		if !isEd {
			return &KeyTypeError{Suite: p.Cryptosuite, Got: fmt.Sprintf("%T", pub)}
		}
		ok = len(p.Signature) == ed25519.SignatureSize && ed25519.Verify(k, p.hashData, p.Signature)
	case "JsonWebSignature2020":
		// The key's type fixes the algorithm; the header must agree.
		switch k := pub.(type) {
		case ed25519.PublicKey:
			if p.Alg != "EdDSA" {
				return &AlgError{Alg: p.Alg, Want: "EdDSA", Key: "Ed25519"}
			}
			ok = len(p.Signature) == ed25519.SignatureSize && ed25519.Verify(k, p.hashData, p.Signature)
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				return &KeyTypeError{Suite: p.Cryptosuite, Got: "ECDSA " + k.Curve.Params().Name}
			}
			if p.Alg != "ES256" {
				return &AlgError{Alg: p.Alg, Want: "ES256", Key: "P-256"}
			}
			h := sha256.Sum256(p.hashData)
			ok = len(p.Signature) == 64 && ecdsa.Verify(k, h[:], new(big.Int).SetBytes(p.Signature[:32]), new(big.Int).SetBytes(p.Signature[32:]))
		case *rsa.PublicKey:
			if k.N.BitLen() < 2048 {
				return &KeyTypeError{Suite: p.Cryptosuite, Got: fmt.Sprintf("RSA %d-bit", k.N.BitLen())}
			}
			if p.Alg != "PS256" {
				return &AlgError{Alg: p.Alg, Want: "PS256", Key: "RSA"}
			}
			h := sha256.Sum256(p.hashData)
			ok = rsa.VerifyPSS(k, crypto.SHA256, h[:], p.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		default:
			return &KeyTypeError{Suite: p.Cryptosuite, Got: fmt.Sprintf("%T", pub)}
		}
	case "ecdsa-rdfc-2019":
		k, isEC := pub.(*ecdsa.PublicKey)
		if !isEC || k.Curve != elliptic.P256() {
			return &KeyTypeError{Suite: p.Cryptosuite, Got: fmt.Sprintf("%T", pub)}
		}
		h := sha256.Sum256(p.hashData)
		ok = len(p.Signature) == 64 && ecdsa.Verify(k, h[:], new(big.Int).SetBytes(p.Signature[:32]), new(big.Int).SetBytes(p.Signature[32:]))
	}
	if !ok {
		return ErrDISignature
	}
	return c.covered(p.quads)
}

// covered checks that the recipient and the events shown are in the
// signed quads (JSON-LD drops undefined terms and id-less triples).
func (c *Credential) covered(signed []ld.Quad) error {
	pick := func(m map[string]any, keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	var fields []ld.Field
	add := func(name string, v any) {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			fields = append(fields, ld.Field{Name: name, Value: s})
		}
	}
	subjects, ok := c.doc["credentialSubject"].([]any)
	if !ok {
		subjects = []any{c.doc["credentialSubject"]}
	}
	var shown []any
	for i, s := range subjects {
		ev, _ := s.(map[string]any)
		e := pick(ev, "id", "type", "dateOfVaccination", "order", "batchNumber", "administeringCentre", "countryOfVaccination")
		if r, ok := ev["recipient"].(map[string]any); ok {
			e["recipient"] = pick(r, "id", "type", "givenName", "familyName", "birthDate")
			add("given name", r["givenName"])
			add("family name", r["familyName"])
			add("birth date", r["birthDate"])
		}
		if vac, ok := ev["vaccine"].(map[string]any); ok {
			e["vaccine"] = pick(vac, "id", "type", "medicinalProductName", "atcCode")
			add(fmt.Sprintf("event %d vaccine", i+1), vac["medicinalProductName"])
			add(fmt.Sprintf("event %d ATC code", i+1), vac["atcCode"])
		}
		for _, k := range []string{"dateOfVaccination", "order", "batchNumber", "administeringCentre", "countryOfVaccination"} {
			add(fmt.Sprintf("event %d %s", i+1, k), ev[k])
		}
		shown = append(shown, e)
	}
	display := map[string]any{"@context": c.doc["@context"], "type": c.doc["type"], "issuer": c.doc["issuer"], "credentialSubject": shown}
	if id, ok := c.doc["id"]; ok {
		display["id"] = id
	}
	return ld.Covers(display, fields, signed, DILimits)
}

// HashData is what the proof's signature covers (for signers and tests).
func (p *DIProof) HashData() []byte { return slices.Clone(p.hashData) }
