package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"

	"github.com/multiformats/go-multibase"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vc"
)

// Script command for snapshot.txtar:
//
//	w3cfiles DIR   writes into DIR a VCI snapshot trust file of foreign
//	               issuers (CoWIN with an RSA and an Ed25519 key; a did:key
//	               and a did:web issuer of W3C VCs; one unusable entry) and
//	               credentials they signed: a DIVOC QR payload as B64: text
//	               (RSA) and certificate.json (Ed25519), a VC-JWT of each DID
//	               issuer, a Data Integrity VC; and bad-private.json, the
//	               snapshot with a private key member.
func init() {
	witnessCmds["w3cfiles"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: w3cfiles DIR")
		}
		dir := ts.MkAbs(args[0])
		ts.Check(os.MkdirAll(dir, 0o755))
		write := func(name string, data []byte) { ts.Check(os.WriteFile(filepath.Join(dir, name), data, 0o644)) }
		enc := base64.RawURLEncoding.EncodeToString

		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		ts.Check(err)
		_, ek, err := ed25519.GenerateKey(rand.Reader)
		ts.Check(err)
		cert, err := divoctest.Sign(divoctest.Certificate(), rk, "did:india", "")
		ts.Check(err)
		write("divoc-qr.b64", []byte("B64:"+base64.StdEncoding.EncodeToString(divoctest.Payload(cert))+"\n"))
		cert, err = divoctest.Sign(divoctest.Certificate(), ek, "did:india:ed", "")
		ts.Check(err)
		b, _ := json.Marshal(cert)
		write("certificate.json", b)

		// W3C VCs: a did:key issuer (P-256) and a did:web issuer whose key
		// the trust file lists.
		kk, err := jose.GenerateKey()
		ts.Check(err)
		kw, err := jose.GenerateKey()
		ts.Check(err)
		didKey, didWeb := kk.Public().DIDKey(), "did:web:health.example"
		event := map[string]any{"type": "VaccinationEvent", "batchNumber": "1183738569", "administeringCentre": "MoH",
			"countryOfVaccination": "NZ", "dateOfVaccination": "2021-04-01T10:00:00Z", "order": "2",
			"recipient": map[string]any{"type": "VaccineRecipient", "givenName": "JOHN", "familyName": "SMITH", "birthDate": "1958-07-17"},
			"vaccine":   map[string]any{"type": "Vaccine", "disease": "COVID-19", "atcCode": "J07BX03", "medicinalProductName": "COVID-19 Vaccine Moderna"}}
		vc2 := func(iss string) []byte {
			b, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/vaccination/v1"},
				"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": iss, "validFrom": "2021-04-01T10:00:00Z",
				"credentialSubject": event})
			return b
		}
		s, err := kk.Sign(jose.Header{Typ: "vc+jwt", OmitKid: true}, vc2(didKey))
		ts.Check(err)
		write("didkey.jwt", []byte(s))
		s, err = kw.Sign(jose.Header{Typ: "vc+jwt", Kid: didWeb + "#key-1"}, vc2(didWeb))
		ts.Check(err)
		write("didweb.jwt", []byte(s))

		// A Data Integrity VC (eddsa-rdfc-2022) of an Ed25519 did:key.
		dpub, dpriv, _ := ed25519.GenerateKey(rand.Reader)
		mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, dpub...))
		didDI := "did:key:" + mb
		doc := map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/data-integrity/v2"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": didDI, "issuanceDate": "2021-04-08T23:41:41Z",
			"credentialSubject": event,
			"proof": map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2021-04-09T00:00:00Z",
				"verificationMethod": didDI + "#" + mb, "proofPurpose": "assertionMethod", "proofValue": "z1"}}
		b, _ = json.Marshal(doc)
		_, p, err := vc.ParseDI(b)
		ts.Check(err)
		pv, _ := multibase.Encode(multibase.Base58BTC, ed25519.Sign(dpriv, p.HashData()))
		doc["proof"].(map[string]any)["proofValue"] = pv
		b, _ = json.Marshal(doc)
		write("vc-di.json", b)

		webJWK := map[string]any{}
		ts.Check(json.Unmarshal(kw.Public().JWK(), &webJWK))
		webJWK["kid"] = "key-1"
		rsaJWK := map[string]any{"kty": "RSA", "kid": "did:india", "n": enc(rk.N.Bytes()), "e": enc(big.NewInt(int64(rk.E)).Bytes())}
		snap := func(extra map[string]any) []byte {
			ed := map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "did:india:ed", "x": enc(ek.Public().(ed25519.PublicKey))}
			for k, v := range extra {
				ed[k] = v
			}
			b, _ := json.MarshalIndent(map[string]any{"directory": "foreign-issuers", "time": "2026-12-01T00:00:00Z", "issuerInfo": []any{
				map[string]any{"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN"}, "keys": []any{rsaJWK, ed}},
				map[string]any{"issuer": map[string]any{"iss": didKey, "name": "Clinic (did:key)"}, "keys": []any{}},
				map[string]any{"issuer": map[string]any{"iss": didDI, "name": "NZ MoH (did:key)"}, "keys": []any{}},
				map[string]any{"issuer": map[string]any{"iss": didWeb, "name": "Ministry (did:web)"}, "keys": []any{webJWK}},
				map[string]any{"issuer": map[string]any{"iss": "did:web:nokeys.example", "name": "No keys"}, "keys": []any{}},
			}}, "", " ")
			return b
		}
		write("snapshot.json", snap(nil))
		write("bad-private.json", snap(map[string]any{"d": enc(ek.Seed())}))
	}
}
