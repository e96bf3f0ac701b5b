package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"sync"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vc"
)

// writeVC writes W3C VC test files: trust.json (a VCI snapshot trusting a
// P-256 did:key and an Ed25519 did:key issuer), jwt.txt (a VC-JWT 1.1 by
// the first), di.json (an eddsa-rdfc-2022 Data Integrity credential by the
// second) and di-edited.json (its batch number changed after signing).
func writeVC(dir string) error {
	vcOnce.Do(func() { vcFiles, vcErr = vcWorld() })
	if vcErr != nil {
		return vcErr
	}
	return writeAll(dir, vcFiles)
}

var (
	vcOnce  sync.Once
	vcFiles map[string][]byte
	vcErr   error
)

func vcWorld() (map[string][]byte, error) {
	event := map[string]any{"type": "VaccinationEvent", "batchNumber": "1183738569", "administeringCentre": "MoH",
		"countryOfVaccination": "NZ", "dateOfVaccination": "2021-04-01T10:00:00Z", "order": "2",
		"recipient": map[string]any{"type": "VaccineRecipient", "givenName": "JOHN", "familyName": "SMITH", "birthDate": "1958-07-17"},
		"vaccine":   map[string]any{"type": "Vaccine", "atcCode": "J07BX03", "medicinalProductName": "COVID-19 Vaccine Moderna"}}
	k, err := jose.GenerateKey()
	if err != nil {
		return nil, err
	}
	didP := k.Public().DIDKey()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	didE := "did:key:" + mb
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{
		map[string]any{"issuer": map[string]any{"iss": didP, "name": "Clinic (VC-JWT)"}, "keys": []any{}},
		map[string]any{"issuer": map[string]any{"iss": didE, "name": "Clinic (Data Integrity)"}, "keys": []any{}},
	}})
	p, _ := json.Marshal(map[string]any{"iss": didP, "nbf": 1617271200, "vc": map[string]any{
		"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1"},
		"type":     []any{"VerifiableCredential", "VaccinationCertificate"}, "credentialSubject": event}})
	jwt, err := k.Sign(jose.Header{Typ: "JWT", OmitKid: true}, p)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/data-integrity/v2"},
		"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": didE, "validFrom": "2021-04-08T23:41:41Z",
		"credentialSubject": event,
		"proof": map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2021-04-09T00:00:00Z",
			"verificationMethod": didE + "#" + mb, "proofPurpose": "assertionMethod", "proofValue": "z1"}}
	b, _ := json.Marshal(doc)
	_, proof, err := vc.ParseDI(b)
	if err != nil {
		return nil, err
	}
	pv, _ := multibase.Encode(multibase.Base58BTC, ed25519.Sign(priv, proof.HashData()))
	doc["proof"].(map[string]any)["proofValue"] = pv
	di, _ := json.MarshalIndent(doc, "", " ")
	event["batchNumber"] = "999"
	edited, _ := json.MarshalIndent(doc, "", " ")
	files := map[string][]byte{"trust.json": snap, "jwt.txt": []byte(jwt + "\n"), "di.json": di, "di-edited.json": edited}
	return files, nil
}
