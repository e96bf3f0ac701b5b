// Package gdhcntest writes GDHCN trust lists in the v2 DID-document form,
// signed like the WHO's (JsonWebSignature2020, ES256, DER signature), with
// a key the test holds, and the signer's DID document: for tests of
// credential/trust, the verifier and the registry, since the private keys
// of the published lists are not available.
package gdhcntest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
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
	p, err := ld.ParseJWSProof(v.(map[string]any), ld.Limits{MaxBytes: 16 << 20}, nil)
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

// Files returns the files of a GDHCN test world, for CLI scripts:
// dev-list.json and who-signing-dev.did.json (the published DEV list and
// its signer's DID document, read from gdhcnDir, the repository's
// testdata/gdhcn), own-list.json signed by own-signer.did.json's key and
// holding the DSC (country FRA, EKU vaccination) that signed vacc.txt
// (an HCERT issued 2021-06-02, expiring 2022-06-02), and tampered-list.json
// (own-list.json with that DSC's country changed after signing).
func Files(gdhcnDir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for dst, src := range map[string]string{"dev-list.json": "trustlist-dev-v2.did.json", "who-signing-dev.did.json": "who-signing-dev.did.json"} {
		b, err := os.ReadFile(filepath.Join(gdhcnDir, src))
		if err != nil {
			return nil, err
		}
		files[dst] = b
	}
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR", EKU: []asn1.ObjectIdentifier{hcerttest.EKU["vaccination"]}})
	if err != nil {
		return nil, err
	}
	iat := time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	kid := sha256.Sum256(der)
	vacc, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", IssuedAt: iat, Expires: iat.AddDate(1, 0, 0), KID: kid[:8]})
	if err != nil {
		return nil, err
	}
	sg, err := NewSigner("did:web:trust.example:signing")
	if err != nil {
		return nil, err
	}
	list, err := sg.List("did:web:trust.example:v2:trustlist", []Entry{{Domain: "DCC", Country: "FRA", Usage: "DSC", KID: kid[:8], Cert: der}}, iat)
	if err != nil {
		return nil, err
	}
	files["own-list.json"], files["own-signer.did.json"], files["vacc.txt"] = list, sg.DIDDocument(), []byte(vacc+"\n")
	files["tampered-list.json"] = bytes.Replace(list, []byte(":DCC:FRA:DSC#"), []byte(":DCC:DEU:DSC#"), 1)
	return files, nil
}

// WriteFiles writes [Files] into dir.
func WriteFiles(dir, gdhcnDir string) error {
	files, err := Files(gdhcnDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
