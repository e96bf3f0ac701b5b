package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/ld"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// ListSigner is a key that signs GDHCN trust lists: one JsonWebKey2020
// verification method (EC P-256) of a signer's DID document, such as the
// WHO signing DID that a list's proof.verificationMethod names. The
// verifier never resolves that DID: the operator installs its document
// like any other trust file.
type ListSigner struct {
	ID  string // the verification method id (the DID itself when the method has no fragment)
	Key *ecdsa.PublicKey
}

// IsSignerDID reports whether data looks like a DID document of list
// signers: a JSON object with "verificationMethod" that is not a trust
// list.
func IsSignerDID(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{' && bytes.Contains(t, []byte(`"verificationMethod"`)) &&
		bytes.Contains(t, []byte(`"publicKeyJwk"`)) && !IsGDHCNList(t)
}

// ParseListSigners reads the JsonWebKey2020 P-256 keys of a DID document.
func ParseListSigners(data []byte) ([]ListSigner, error) {
	var doc struct {
		ID                 string `json:"id"`
		VerificationMethod []struct {
			ID           string `json:"id"`
			Type         string `json:"type"`
			Controller   string `json:"controller"`
			PublicKeyJwk struct {
				Kty string `json:"kty"`
				Crv string `json:"crv"`
				X   string `json:"x"`
				Y   string `json:"y"`
				D   string `json:"d"`
			} `json:"publicKeyJwk"`
		} `json:"verificationMethod"`
	}
	if err := strictjson.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a signer DID document: %w", err)
	}
	if doc.ID == "" || len(doc.VerificationMethod) == 0 {
		return nil, errors.New("not a signer DID document: no id or no verificationMethod")
	}
	var out []ListSigner
	for i, vm := range doc.VerificationMethod {
		if vm.Type != "JsonWebKey2020" {
			return nil, fmt.Errorf("verificationMethod[%d] %q: type %q, want JsonWebKey2020", i, vm.ID, vm.Type)
		}
		id := vm.ID
		if len(id) > 0 && id[0] == '#' {
			id = doc.ID + id
		}
		if id != doc.ID && !bytes.HasPrefix([]byte(id), []byte(doc.ID+"#")) {
			return nil, fmt.Errorf("verificationMethod[%d] %q is not a method of %q", i, vm.ID, doc.ID)
		}
		j := vm.PublicKeyJwk
		k, err := jose.KeyFromEC(j.Kty, j.Crv, j.X, j.Y, j.D != "")
		if err != nil {
			return nil, fmt.Errorf("verificationMethod[%d] %q: %w", i, vm.ID, err)
		}
		out = append(out, ListSigner{ID: id, Key: k.PublicKey()})
	}
	return out, nil
}

// ListProofError reports a trust list whose proof does not check. The
// list must then be refused as a whole: anyone who can edit the file could
// have added a document signer to it.
type ListProofError struct {
	Signer  string // the proof's verificationMethod
	Problem string
	// UnknownSigner is set when no given signer holds the proof's key.
	UnknownSigner bool
}

func (e *ListProofError) Error() string {
	if e.Signer == "" {
		return "trust list proof: " + e.Problem
	}
	return fmt.Sprintf("trust list proof by %q: %s", e.Signer, e.Problem)
}

// GDHCNProofSigner returns the verificationMethod that a list's proof names, so
// that a caller can find the signer before checking.
func GDHCNProofSigner(data []byte) string {
	var doc struct {
		Proof struct {
			VerificationMethod string `json:"verificationMethod"`
		} `json:"proof"`
	}
	_ = json.Unmarshal(data, &doc)
	return doc.Proof.VerificationMethod
}

// VerifyGDHCNProof checks the JsonWebSignature2020 proof of a GDHCN trust
// list with the given signers: the WHO signer (its JsonWebSignature2020LdSigner,
// ld-signatures-java) signs
//
//	BASE64URL(header) "." SHA-256(URDNA2015(proof options)) ‖ SHA-256(URDNA2015(list without proof))
//
// with ES256, the proof options being the proof without jws under the
// list's own @context. It writes the signature as ASN.1 DER rather than the
// 64-byte R‖S of RFC 7515; both forms are accepted. The list's contexts
// must be embedded (credential/ld): the DEV list's third context is the
// WHO key distribution service's v1-DEV document. It returns the proof's
// creation time.
func VerifyGDHCNProof(data []byte, signers []ListSigner) (time.Time, error) {
	lim := ld.Limits{MaxBytes: MaxGDHCNList, MaxValues: 2_000_000, MaxQuads: 500_000, MaxTime: 20 * time.Second}
	v, err := ld.Parse(data, lim)
	if err != nil {
		return time.Time{}, &ListProofError{Problem: err.Error()}
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return time.Time{}, &ListProofError{Problem: "the list is not a JSON object"}
	}
	if pr, ok := doc["proof"].(map[string]any); ok && pr["type"] != "JsonWebSignature2020" {
		return time.Time{}, &ListProofError{Signer: GDHCNProofSigner(data), Problem: fmt.Sprintf("proof type %q, want JsonWebSignature2020", pr["type"])}
	}
	p, err := ld.ParseJWSProof(doc, lim, nil)
	if err != nil {
		return time.Time{}, &ListProofError{Signer: GDHCNProofSigner(data), Problem: err.Error()}
	}
	fail := func(f string, a ...any) (time.Time, error) {
		return time.Time{}, &ListProofError{Signer: p.VerificationMethod, Problem: fmt.Sprintf(f, a...)}
	}
	if p.Type != "JsonWebSignature2020" {
		return fail("proof type %q, want JsonWebSignature2020", p.Type)
	}
	if p.ProofPurpose != "assertionMethod" {
		return fail("proofPurpose %q, want assertionMethod", p.ProofPurpose)
	}
	created, err := time.Parse(time.RFC3339, p.Created)
	if err != nil {
		return fail("proof.created %q is not an RFC 3339 time", p.Created)
	}
	var key *ecdsa.PublicKey
	for _, s := range signers {
		if s.ID == p.VerificationMethod {
			key = s.Key
		}
	}
	if key == nil {
		return time.Time{}, &ListProofError{Signer: p.VerificationMethod, UnknownSigner: true,
			Problem: "no signer DID document given holds this key (give the signer's DID document as a trust file too)"}
	}
	// The key is P-256: ES256 is the only algorithm; the header's alg does
	// not choose.
	if p.Alg != "ES256" {
		return fail("alg %q, but the signer's key is P-256: only ES256", p.Alg)
	}
	h := sha256.Sum256(p.SigningInput)
	switch {
	case len(p.Signature) == 64:
		r, s := new(big.Int).SetBytes(p.Signature[:32]), new(big.Int).SetBytes(p.Signature[32:])
		ok = ecdsa.Verify(key, h[:], r, s)
	case len(p.Signature) > 0 && p.Signature[0] == 0x30:
		ok = ecdsa.VerifyASN1(key, h[:], p.Signature)
	default:
		return fail("ES256 signature of %d bytes is neither R‖S (64) nor ASN.1 DER", len(p.Signature))
	}
	if !ok {
		return fail("the signature does not verify: the list was changed after signing, or signed by another key")
	}
	return created, nil
}

// IsUnknownListSigner reports whether err is a proof that names a signer
// none of the given DID documents holds.
func IsUnknownListSigner(err error) bool {
	var pe *ListProofError
	return errors.As(err, &pe) && pe.UnknownSigner
}
