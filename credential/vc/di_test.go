package vc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/ld"
)

// DIDocument returns an unsigned VC 1.1 vaccination certificate with a
// Data Integrity proof config (proofValue to be filled).
func diDoc(issuer, suite string) map[string]any {
	var m map[string]any
	json.Unmarshal([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1","https://w3id.org/vaccination/v1","https://w3id.org/security/data-integrity/v2"],
	"type":["VerifiableCredential","VaccinationCertificate"],"id":"urn:uvci:af5vshde843jf831j128fj","issuer":"`+issuer+`","validFrom":"2021-04-08T23:41:41Z",
	"credentialSubject":{"type":"VaccinationEvent","batchNumber":"1183738569","administeringCentre":"MoH","countryOfVaccination":"NZ","dateOfVaccination":"2021-04-01T10:00:00Z","order":"2",
	"recipient":{"type":"VaccineRecipient","givenName":"JOHN","familyName":"SMITH","gender":"Male","birthDate":"1958-07-17"},
	"vaccine":{"type":"Vaccine","disease":"COVID-19","atcCode":"J07BX03","medicinalProductName":"COVID-19 Vaccine Moderna"}},
	"proof":{"type":"DataIntegrityProof","cryptosuite":"`+suite+`","created":"2021-04-09T00:00:00Z","verificationMethod":"`+issuer+`#key","proofPurpose":"assertionMethod","proofValue":"z1"}}`), &m)
	return m
}

// signDI fills proofValue by signing what ParseDI says the proof covers.
func signDI(t *testing.T, m map[string]any, key any) []byte {
	b, _ := json.Marshal(m)
	_, p, err := ParseDI(b)
	if err != nil {
		t.Fatal(err)
	}
	var sig []byte
	switch k := key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, p.hashData)
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(p.hashData)
		r, s, _ := ecdsa.Sign(rand.Reader, k, h[:])
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	pv, _ := multibase.Encode(multibase.Base58BTC, sig)
	m["proof"].(map[string]any)["proofValue"] = pv
	b, _ = json.Marshal(m)
	return b
}

func didKeyEd(pub ed25519.PublicKey) string {
	s, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	return "did:key:" + s
}

func TestDataIntegrity(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edDID := didKeyEd(edPub)
	verify := func(data []byte) (*Credential, error) {
		c, p, err := ParseDI(data)
		if err != nil {
			return nil, err
		}
		pub, err := DIKey(p.VerificationMethod)
		if err != nil {
			return nil, err
		}
		return c, p.Verify(c, pub)
	}
	good := signDI(t, diDoc(edDID, "eddsa-rdfc-2022"), edPriv)
	c, err := verify(good)
	if err != nil || c.Recipient.Name() != "JOHN SMITH" || c.Issuer != edDID {
		t.Fatalf("eddsa-rdfc-2022: %v %+v", err, c)
	}
	// ecdsa-rdfc-2019 with the P-256 key; the verification method names it
	// as a did:key zDn….
	ecKey, _ := ecdsaDIDKey(&ecPriv.PublicKey)
	if _, err := verify(signDI(t, diDoc(ecKey, "ecdsa-rdfc-2019"), ecPriv)); err != nil {
		t.Fatalf("ecdsa-rdfc-2019: %v", err)
	}
	edit := func(m map[string]any) map[string]any { return m }
	var m map[string]any
	json.Unmarshal(good, &m)
	m["credentialSubject"].(map[string]any)["recipient"].(map[string]any)["familyName"] = "SMYTH"
	edited, _ := json.Marshal(edit(m))
	if _, err := verify(edited); !errors.Is(err, ErrDISignature) {
		t.Fatalf("edited: %v", err)
	}
	// Signed, but the recipient has an empty id: JSON-LD drops its
	// triples, so the name is not covered.
	d := diDoc(edDID, "eddsa-rdfc-2022")
	d["credentialSubject"].(map[string]any)["recipient"].(map[string]any)["id"] = ""
	var ce *ld.CoverageError
	if _, err := verify(signDI(t, d, edPriv)); !errors.As(err, &ce) {
		t.Fatalf("empty recipient id: %v", err)
	}
	// The cryptosuite fixes the key type.
	_, p, _ := ParseDI(good)
	if err := p.Verify(c, &ecPriv.PublicKey); err == nil || errors.Is(err, ErrDISignature) {
		t.Fatalf("eddsa suite with a P-256 key: %v", err)
	}
}

func ecdsaDIDKey(pub *ecdsa.PublicKey) (string, error) {
	u, err := pub.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil {
		return "", err
	}
	b := append([]byte{0x02 | u[64]&1}, u[1:33]...)
	s, err := multibase.Encode(multibase.Base58BTC, append([]byte{0x80, 0x24}, b...))
	return "did:key:" + s, err
}

func FuzzParseDI(f *testing.F) {
	b, _ := json.Marshal(diDoc("did:key:z6MkrtYMJe2ZesvsnoSr8K1yVerjo6EhC2G5jxBDKrD284L2", "eddsa-rdfc-2022"))
	f.Add(b)
	for _, n := range []string{"ed25519.json", "p256.json"} {
		if b, err := os.ReadFile("testdata/jws2020/" + n); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, p, err := ParseDI(data)
		if err != nil {
			return
		}
		if p.Cryptosuite == "JsonWebSignature2020" {
			if len(p.hashData) < 66 || p.Alg == "" || c.Issuer == "" {
				t.Fatalf("%+v", p)
			}
			return
		}
		if len(p.hashData) != 64 || c.Issuer == "" {
			t.Fatalf("%+v", p)
		}
	})
}
