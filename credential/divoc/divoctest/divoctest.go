// Package divoctest signs DIVOC-shaped certificates for tests, the way
// DIVOC's signer (jsonld-signatures) does, and packs them as QR payloads.
package divoctest

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/ld"
)

// Certificate returns an unsigned DIVOC v2 certificate for a made-up
// person, two doses of Covishield.
func Certificate() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(sample), &m); err != nil {
		panic(err)
	}
	return m
}

const sample = `{
 "@context": ["https://www.w3.org/2018/credentials/v1", "https://cowin.gov.in/credentials/vaccination/v2"],
 "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
 "credentialSubject": {"type": "Person", "id": "did:Passport:Z1234567", "refId": "123456", "name": "Asha Verma", "dob": "1990-04-12",
  "gender": "Female", "nationality": "Indian", "uhid": "",
  "address": {"streetAddress": "", "streetAddress2": "", "district": "Pune", "city": "", "addressRegion": "Maharashtra", "addressCountry": "IN", "postalCode": ""}},
 "issuer": "https://cowin.gov.in/",
 "issuanceDate": "2021-08-01T10:00:00.000Z",
 "evidence": [{"id": "https://cowin.gov.in/vaccine/91234567890", "feedbackUrl": "https://cowin.gov.in/?91234567890", "infoUrl": "https://cowin.gov.in/?91234567890",
  "certificateId": "91234567890", "type": ["Vaccination"], "batch": "4121Z025", "vaccine": "COVISHIELD", "manufacturer": "Serum Institute of India",
  "date": "2021-07-30T09:15:00.000Z", "effectiveStart": "2021-07-30", "effectiveUntil": "2022-07-30", "dose": "2", "totalDoses": 2,
  "icd11Code": "XM9QW8", "prophylaxis": "COVID-19 vaccine, non-replicating viral vector",
  "verifier": {"name": "Dr A Kulkarni"},
  "facility": {"name": "District Hospital Pune", "address": {"streetAddress": "Station Road", "district": "Pune", "addressRegion": "Maharashtra", "addressCountry": "IN"}}}],
 "nonTransferable": "true"
}`

// Sign adds a proof to doc with key (RSA → RsaSignature2018/PS256,
// Ed25519 → Ed25519Signature2018/EdDSA), naming vm as verificationMethod.
// alg, when not empty, overrides the header's alg (for alg-confusion tests;
// the signature is still made with the key's algorithm).
func Sign(doc map[string]any, key crypto.Signer, vm, alg string) (map[string]any, error) {
	suite, defAlg := "", ""
	switch key.(type) {
	case *rsa.PrivateKey:
		suite, defAlg = "RsaSignature2018", "PS256"
	case ed25519.PrivateKey:
		suite, defAlg = "Ed25519Signature2018", "EdDSA"
	default:
		return nil, fmt.Errorf("divoctest: %T key", key)
	}
	if alg == "" {
		alg = defAlg
	}
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","b64":false,"crit":["b64"]}`))
	// Round-trip through JSON so that what is signed is what is written.
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	proof := map[string]any{"type": suite, "created": "2021-08-01T10:00:00Z", "verificationMethod": vm, "proofPurpose": "assertionMethod", "jws": h + "..AA"}
	out["proof"] = proof
	raw, _ = json.Marshal(out)
	v, err := ld.Parse(raw, divoc.Limits)
	if err != nil {
		return nil, err
	}
	p, err := ld.ParseJWSProof(v.(map[string]any), divoc.Limits, ld.SecurityV2)
	if err != nil {
		return nil, err
	}
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		d := sha256.Sum256(p.SigningInput)
		sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, p.SigningInput)
	}
	if err != nil {
		return nil, err
	}
	proof["jws"] = h + ".." + base64.RawURLEncoding.EncodeToString(sig)
	return out, nil
}

// Zip packs files (name → content, in order of names) as a ZIP archive,
// deflated, the way DIVOC packs certificate.json.
func Zip(names []string, contents [][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i, n := range names {
		f, err := w.Create(n)
		if err != nil {
			panic(err)
		}
		f.Write(contents[i])
	}
	w.Close()
	return b.Bytes()
}

// Payload is the QR payload of a signed certificate: its ZIP archive.
func Payload(doc map[string]any) []byte {
	raw, _ := json.Marshal(doc)
	return Zip([]string{"certificate.json"}, [][]byte{raw})
}
