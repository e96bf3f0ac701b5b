// Package gdhcntest writes GDHCN trust lists in the v2 DID-document form,
// signed like the WHO's (JsonWebSignature2020, ES256, DER signature), with
// a key the test holds, and the signer's DID document: for tests of
// credential/trust, the verifier and the registry, since the private keys
// of the published lists are not available.
package gdhcntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/ld"
)

// Entry is one document signer of a list.
type Entry struct {
	Domain  string // "DCC"
	Country string // ISO 3166-1 alpha-3, "FRA"
	Usage   string // "DSC"
	KID     []byte // the HCERT kid (trust.DSCKID of Cert)
	Cert    []byte // DER
}

// Signer is a list signer: its DID (also its verification method id, as
// the WHO's) and key.
type Signer struct {
	DID string
	Key *ecdsa.PrivateKey
}

// NewSigner makes a fresh P-256 signer.
func NewSigner(did string) (*Signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Signer{DID: did, Key: k}, nil
}

// DIDDocument returns the signer's DID document (the form of the WHO's).
func (s *Signer) DIDDocument() []byte {
	b, err := s.Key.PublicKey.Bytes()
	if err != nil {
		panic("gdhcntest: " + err.Error())
	}
	enc := base64.RawURLEncoding.EncodeToString
	doc := map[string]any{
		"@context":   []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"},
		"id":         s.DID,
		"controller": s.DID,
		"verificationMethod": []any{map[string]any{
			"id": s.DID, "type": "JsonWebKey2020", "controller": s.DID,
			"publicKeyJwk": map[string]string{"kty": "EC", "crv": "P-256", "x": enc(b[1:33]), "y": enc(b[33:])},
		}},
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return out
}

// List returns a signed trust list with id listID (did:web:…:v2:trustlist)
// holding the entries, its proof created at created.
func (s *Signer) List(listID string, entries []Entry, created time.Time) ([]byte, error) {
	var vms []any
	for _, e := range entries {
		kid := base64.StdEncoding.EncodeToString(e.KID)
		vms = append(vms, map[string]any{
			"id":          fmt.Sprintf("%s:%s:%s:%s#%s", listID, e.Domain, e.Country, e.Usage, kid),
			"type":        "JsonWebKey2020",
			"controller":  listID,
			"domain":      map[string]string{"code": "#" + e.Domain},
			"participant": map[string]string{"code": "#" + e.Country},
			"keyusage":    map[string]string{"code": "#" + e.Usage},
			"publicKeyJwk": map[string]any{"kty": "EC", "kid": kid,
				"x5c": []string{base64.StdEncoding.EncodeToString(e.Cert)}},
		})
	}
	const header = `{"b64":false,"crit":["b64"],"alg":"ES256"}`
	h := base64.RawURLEncoding.EncodeToString([]byte(header))
	proof := map[string]any{
		"type": "JsonWebSignature2020", "created": created.UTC().Format(time.RFC3339),
		"nonce": "testnonce", "proofPurpose": "assertionMethod", "verificationMethod": s.DID,
		"jws": h + "..AA",
	}
	doc := map[string]any{
		"@context": []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1",
			"https://smart.who.int/trust/tng-context/v1-DEV.jsonld"},
		"id": listID, "controller": listID, "verificationMethod": vms, "proof": proof,
	}
	// Round-trip through JSON so that what is signed is what is written.
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	v, err := ld.Parse(raw, ld.Limits{MaxBytes: 16 << 20})
	if err != nil {
		return nil, err
	}
	p, err := ld.ParseJWSProof(v.(map[string]any), ld.Limits{MaxBytes: 16 << 20})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.SigningInput)
	sig, err := ecdsa.SignASN1(rand.Reader, s.Key, sum[:])
	if err != nil {
		return nil, err
	}
	proof["jws"] = h + ".." + base64.RawURLEncoding.EncodeToString(sig)
	return json.MarshalIndent(doc, "", " ")
}
